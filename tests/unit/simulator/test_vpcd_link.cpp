// The card's side of the vpcd link, against a reader played by the test on a Unix socket.
#include <catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "../support/temp_dir.hpp"
#include "../support/test_card.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/vpcd_link.hpp"

using namespace euiccsim;

namespace {
struct Reader {
  explicit Reader(const std::string& path) {
    ::unlink(path.c_str());  // a previous reader's socket file, as a restarted driver finds it
    listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener, 1) == 0);
  }
  ~Reader() {
    if (conn >= 0) ::close(conn);
    ::close(listener);
  }
  void accept() { conn = ::accept(listener, nullptr, nullptr); }
  void send(const Bytes& payload) {
    Bytes m{static_cast<std::uint8_t>(payload.size() >> 8),
            static_cast<std::uint8_t>(payload.size())};
    m.insert(m.end(), payload.begin(), payload.end());
    REQUIRE(::write(conn, m.data(), m.size()) == static_cast<ssize_t>(m.size()));
  }
  Bytes receive() {
    std::uint8_t len[2];
    REQUIRE(::recv(conn, len, 2, MSG_WAITALL) == 2);
    Bytes d((len[0] << 8) | len[1]);
    if (!d.empty())
      REQUIRE(::recv(conn, d.data(), d.size(), MSG_WAITALL) == static_cast<ssize_t>(d.size()));
    return d;
  }
  int listener = -1;
  int conn = -1;
};
}  // namespace

TEST_CASE("endpoints and driver slots") {
  CHECK(host::Endpoint::parse("unix:/run/x.sock")->path == "/run/x.sock");
  CHECK(host::Endpoint::parse("/run/x.sock")->kind == host::Endpoint::Kind::kUnix);
  auto tcp = host::Endpoint::parse("localhost:35963");
  REQUIRE(tcp);
  CHECK(tcp->host == "localhost");
  CHECK(tcp->port == 35963);
  CHECK(host::Endpoint::parse("tcp:127.0.0.1:1")->port == 1);
  CHECK_FALSE(host::Endpoint::parse("localhost:0"));
  CHECK_FALSE(host::Endpoint::parse("localhost:99999"));
  CHECK_FALSE(host::Endpoint::parse("nothing"));
  CHECK(host::driver_slot("unix:/run/euicc-sim", 2)->path == "/run/euicc-sim/slot-2.sock");
  CHECK(host::driver_slot("unix:/d,slots=4", 0)->path == "/d/slot-0.sock");
  CHECK(host::driver_slot("tcp:35970", 3)->port == 35973);
  CHECK_FALSE(host::driver_slot("tcp:65535", 1));
  CHECK_FALSE(host::driver_slot("serial:/dev/x", 0));
}

TEST_CASE("a reader powers the card, reads the ATR, exchanges APDUs, and the card leaves") {
  test::TempDir tmp;
  const auto path = (tmp.path / "slot-0.sock").string();
  Reader reader(path);
  auto card = sim::make_euicc(CardState(test::test_eid()), crypto::Drbg::from_seed(1));
  int stop[2];
  REQUIRE(::pipe(stop) == 0);
  std::vector<host::VpcdLink::Event> events;
  host::VpcdLink link(*card, *host::Endpoint::parse("unix:" + path), stop[0],
                      [&](host::VpcdLink::Event e, const std::string&) { events.push_back(e); });
  std::thread t([&] { link.serve_once(); });
  reader.accept();
  reader.send(Bytes{0x01});  // power on: no answer
  reader.send(Bytes{0x04});  // get ATR
  CHECK(reader.receive() == sim::default_atr());
  reader.send(Bytes{0x11});  // the terminal chose T=1 (driver extension)
  reader.send(from_hex("00A4040C10A0000005591010FFFFFFFF8900000100"));
  CHECK(to_hex(reader.receive()) == "9000");
  reader.send(from_hex("80E2910006BF3E035C015A00"));  // case 4 under T=1: inline
  CHECK(to_hex(reader.receive()) ==
        "BF3E125A1089049032123451234512345678901235"
        "9000");
  reader.send(Bytes{0x10});  // back to T=0: the same command now answers 61xx
  reader.send(from_hex("80E2910006BF3E035C015A00"));
  CHECK(to_hex(reader.receive()) == "6115");
  reader.send(Bytes{0x02});  // reset
  reader.send(from_hex("81A4040C10A0000005591010FFFFFFFF8900000100"));
  CHECK(to_hex(reader.receive()) == "6881");
  ::close(reader.conn);  // the reader goes away: the card is removed
  reader.conn = -1;
  t.join();
  CHECK_FALSE(card->powered());
  REQUIRE(events.size() == 2);
  CHECK(events[0] == host::VpcdLink::Event::kConnected);
  CHECK(events[1] == host::VpcdLink::Event::kDisconnected);
  ::close(stop[0]);
  ::close(stop[1]);
}

TEST_CASE("run() retries until a reader appears and ends when told to stop") {
  test::TempDir tmp;
  const auto path = (tmp.path / "slot-0.sock").string();
  auto card = sim::make_euicc(CardState(test::test_eid()), crypto::Drbg::from_seed(1));
  int stop[2];
  REQUIRE(::pipe(stop) == 0);
  std::atomic<int> connects{0}, failures{0};
  std::string why;
  host::VpcdLink link(*card, *host::Endpoint::parse("unix:" + path), stop[0],
                      [&](host::VpcdLink::Event e, const std::string& detail) {
                        if (e == host::VpcdLink::Event::kConnected) ++connects;
                        if (e == host::VpcdLink::Event::kConnectFailed) {
                          why = detail;
                          ++failures;
                        }
                      });
  std::thread t([&] { link.run(); });
  // No reader yet: the link reports waiting once and keeps trying.
  while (failures == 0) std::this_thread::yield();
  CHECK(why.find("No such file or directory") != std::string::npos);  // says why it waits
  {
    Reader reader(path);
    reader.accept();
    reader.send(Bytes{0x04});
    CHECK(reader.receive() == sim::default_atr());
  }  // reader gone (pcscd restarting)
  Reader again(path);
  again.accept();  // the card comes back on its own
  again.send(Bytes{0x04});
  CHECK(again.receive() == sim::default_atr());
  REQUIRE(::write(stop[1], "x", 1) == 1);
  t.join();
  // Two or more: the card may slip into the first reader's backlog just before it closes.
  CHECK(connects >= 2);
  ::close(stop[0]);
  ::close(stop[1]);
}
