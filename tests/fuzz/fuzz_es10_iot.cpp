// libFuzzer target for an SGP.32 iot card: fuzz_es10's harness, input format and invariants
// (plus: never more eIMs than the card holds), with the iot personality, so the SGP.32
// functions parse the input. Its card holds one eIM ("fuzz-eim", a fixed key) whose signed
// packages are among the seeds.
#define EUICCSIM_FUZZ_IOT 1
#include "fuzz_es10.cpp"
