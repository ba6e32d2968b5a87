// An Es9Plus that answers through another one named later: an HTTPS listener is bound before
// its SM-DP+ exists (the server's address names the port the system chose), so the listener
// is given this and the pointer is set once the server is made.
#pragma once

#include "es9plus.hpp"

namespace euiccsim::smdp {

class Es9PlusForward final : public Es9Plus {
 public:
  // `to` must outlive this and point at a server before the first request.
  explicit Es9PlusForward(Es9Plus* const* to) : to_(to) {}
  InitiateAuthenticationResponse initiate_authentication(
      const InitiateAuthenticationRequest& r) override {
    return (*to_)->initiate_authentication(r);
  }
  AuthenticateClientResponse authenticate_client(const AuthenticateClientRequest& r) override {
    return (*to_)->authenticate_client(r);
  }
  GetBoundProfilePackageResponse get_bound_profile_package(
      const GetBoundProfilePackageRequest& r) override {
    return (*to_)->get_bound_profile_package(r);
  }
  void handle_notification(const HandleNotificationRequest& r) override {
    (*to_)->handle_notification(r);
  }
  void cancel_session(const CancelSessionRequest& r) override { (*to_)->cancel_session(r); }

 private:
  Es9Plus* const* to_;
};

}  // namespace euiccsim::smdp
