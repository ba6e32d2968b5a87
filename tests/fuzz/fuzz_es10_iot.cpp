// libFuzzer target for an SGP.32 iot card: fuzz_es10's harness, input format and invariants
// (plus: never more eIMs than the card holds), with the iot personality, so the SGP.32
// functions (AddInitialEim BF57, GetEimConfigurationData BF55, GetCerts BF56, BF51, BF58,
// BF59-BF5F, BF64, BF65, BF42) parse the input. Its card holds one eIM ("fuzz-eim", a fixed
// key) whose signed packages are among the seeds; its second profile is the Fallback Profile,
// its third the Emergency Profile.
#define EUICCSIM_FUZZ_IOT 1
#include "fuzz_es10.cpp"
