// The host's Bearer for IPAes (applets/ipae/bearer.hpp): the simulator's own non-blocking
// sockets, all driven by one poll() loop, so one thread carries the channels of many cards.
// Each card's IPAe gets its own port (its channels' events go to it alone). Every call but
// wake() belongs to the loop's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "euiccsim/applets/ipae/bearer.hpp"

namespace euiccsim::sim::host {

class SocketBearer {
 public:
  SocketBearer();
  ~SocketBearer();
  SocketBearer(const SocketBearer&) = delete;
  SocketBearer& operator=(const SocketBearer&) = delete;

  // A Bearer whose events go to `sink`. The port must not outlive the SocketBearer.
  std::unique_ptr<applets::ipae::Bearer> port(applets::ipae::BearerEvents& sink);

  // Waits up to `timeout` for socket activity (not at all if events are pending), then
  // delivers every event that is ready. Also returns when wake() is called.
  void run_once(std::chrono::milliseconds timeout);
  // From any thread: ends the current wait of run_once().
  void wake();
  // An extra descriptor run_once() watches for reading, with what to do when it is readable
  // (a control socket, a stop pipe).
  void watch(int fd, std::function<void()> on_readable);
  void unwatch(int fd);
  std::size_t channels() const { return channels_.size(); }

 private:
  class Port;
  struct Channel;
  applets::ipae::ChannelId open(applets::ipae::BearerEvents& sink, applets::ipae::ChannelKind kind,
                                const std::string& host, std::uint16_t port);
  void send(applets::ipae::ChannelId id, ByteView data);
  void close(applets::ipae::ChannelId id);
  void queue(applets::ipae::BearerEvents& sink, applets::ipae::BearerEvent e);
  void flush(Channel& c);

  std::map<applets::ipae::ChannelId, std::unique_ptr<Channel>> channels_;
  std::deque<std::pair<applets::ipae::BearerEvents*, applets::ipae::BearerEvent>> pending_;
  std::map<int, std::function<void()>> watched_;
  applets::ipae::ChannelId next_id_ = 0;
  int wake_fd_ = -1;
};

}  // namespace euiccsim::sim::host
