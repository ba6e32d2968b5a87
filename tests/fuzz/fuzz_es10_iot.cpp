// libFuzzer target for an SGP.32 iot card: fuzz_es10's harness, input format and invariants
// (plus: never more eIMs than the card holds), with the iot personality, so the SGP.32
// functions (AddInitialEim BF57, GetEimConfigurationData BF55, GetCerts BF56) parse the input.
#define EUICCSIM_FUZZ_IOT 1
#include "fuzz_es10.cpp"
