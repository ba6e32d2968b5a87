#!/usr/bin/env python3
"""Run Debian's asn1c 0.9.28 on ASN.1 modules and make its output usable from C++.

meson must know a custom target's outputs before it runs, and asn1c decides them: so the build
first asks `--list` (at configure time) and then runs `--outdir DIR` (at build time) with the
same modules. asn1c writes into the current directory, so both run it in a scratch directory.
With `--base`, modules another library compiles already (the profile package module that
SGP.22 imports UICCCapability from) resolve the imports but their files are left to that library.

One change fixes asn1c: a derived type's "inherit" routine, run on the type's first use,
overwrote the type's own constraint check with its base type's, so after one decode a
constrained type (Iccid ::= OCTET STRING (SIZE(10))) stopped checking its size. In types with
a real check that line is dropped; types without one ("Replace with underlying type checker")
need it, and keep it.

Two changes make the headers compile as C++:
 * generated names that are C++ keywords (an ASN.1 member called `delete`, `class`, ...) get a
   trailing underscore; the strings asn1c keeps for printing are left alone;
 * A_SET_OF(type) names `type` twice (the array and the free routine), which C++ reads as two
   definitions of an inline struct; for C++ the free routine takes void* (same layout).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ASN1C_FLAGS = ['-fcompound-names', '-fincludes-quoted']
# Files asn1c writes that are examples, not part of the codec.
EXCLUDED = {'converter-sample.c', 'Makefile.am.sample'}
CXX_KEYWORDS = ['class', 'delete', 'explicit', 'export', 'friend', 'mutable', 'namespace', 'new',
                'operator', 'private', 'protected', 'public', 'template', 'this', 'throw', 'try',
                'catch', 'typename', 'using', 'virtual']
TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\b(' + '|'.join(CXX_KEYWORDS) + r')\b')


SKELETONS = set(os.listdir('/usr/share/asn1c')) if os.path.isdir('/usr/share/asn1c') else set()


def run_asn1c(modules, workdir):
    proc = subprocess.run(['asn1c'] + ASN1C_FLAGS + [os.path.abspath(m) for m in modules],
                          cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        sys.exit('asn1c failed on ' + ' '.join(modules))
    return sorted(f for f in os.listdir(workdir) if f not in EXCLUDED and f.endswith(('.c', '.h')))


def rename_keywords(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    fixed = TOKEN.sub(lambda m: m.group(0) if m.group(1) is None else m.group(1) + '_', text)
    if fixed != text:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(fixed)


SET_OF_MACRO = '#define\tA_SET_OF(type)\t\t\t\t\t\\\n'
SET_OF_CXX = """#ifdef __cplusplus
/* euicc-sim: C++ sees an inline struct in `type` once (the free routine takes void*). */
#define A_SET_OF(type) struct { type **array; int count; int size; void (*free)(void *); }
#else
"""


INHERITED_CHECK = re.compile(
    r'^\ttd->check_constraints = asn_DEF_\w+\.check_constraints;\n', re.MULTILINE)


def keep_own_constraints(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if 'Replace with underlying type checker' in text:
        return
    fixed = INHERITED_CHECK.sub('', text)
    if fixed != text:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(fixed)


BIT_STRING_FINAL = '\t\tst->buf[st->size-1] &= 0xff << st->bits_unused;\n'
BIT_STRING_CHECKED = ('\t\t/* euicc-sim: X.690 8.6.2.2 allows 0..7 unused bits; a peer\'s 40 made '
                      'this an undefined shift. */\n'
                      '\t\tif(st->bits_unused > 7) RETURN(RC_FAIL);\n' + BIT_STRING_FINAL)


def patch_bit_string_decoder(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if BIT_STRING_FINAL not in text:
        sys.exit('asn1c_compile: OCTET_STRING.c changed; the BIT STRING unused-bits patch does not apply')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text.replace(BIT_STRING_FINAL, BIT_STRING_CHECKED, 1))


def patch_set_of(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    start = text.index(SET_OF_MACRO)
    end = text.index('\n\n', start)
    text = text[:start] + SET_OF_CXX + text[start:end] + '\n#endif' + text[end:]
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--list', action='store_true', help='print the files asn1c generates')
    parser.add_argument('--outdir', help='write the generated files here')
    parser.add_argument('--base', action='append', default=[],
                        help='a module another library already compiles: it resolves IMPORTS, '
                             'and every file compiling it alone produces is left out')
    parser.add_argument('modules', nargs='+')
    args = parser.parse_args()
    if shutil.which('asn1c') is None:
        sys.exit('asn1c not found: install the Debian package "asn1c" (tools/setup.sh does)')
    with tempfile.TemporaryDirectory(prefix='asn1c-') as work:
        files = run_asn1c(args.base + args.modules, work)
        if args.base:
            with tempfile.TemporaryDirectory(prefix='asn1c-base-') as base_work:
                provided = set(run_asn1c(args.base, base_work))
            files = [f for f in files if f not in provided]
        if args.list:
            print('\n'.join(files))
            return
        os.makedirs(args.outdir, exist_ok=True)
        for name in files:
            src = os.path.join(work, name)
            if os.path.islink(src):
                src = os.path.realpath(src)
            dst = os.path.join(args.outdir, name)
            shutil.copyfile(src, dst)
            if name == 'asn_SET_OF.h':
                patch_set_of(dst)
            elif name == 'OCTET_STRING.c':
                patch_bit_string_decoder(dst)
            elif not os.path.islink(os.path.join(work, name)) and name not in SKELETONS:
                rename_keywords(dst)
                if name.endswith('.c'):
                    keep_own_constraints(dst)


if __name__ == '__main__':
    main()
