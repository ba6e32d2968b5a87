// One writer per card. A process that runs a card (serve, stdio, es10/apdu/ipa/lpa --card, the
// in-process API on a state directory) holds an exclusive advisory lock (flock) on the card's
// image file for as long as it runs it; a second process that tries is refused with CardBusy,
// which names the holder. Each save locks its new file before renaming it over the image, so
// the lock passes from the old image to the new one with the rename and is never free in
// between. Readers (`card show`, `card list`) take no lock: a rename is atomic, so they see
// either the old image or the new one.
//
// flock, not fcntl: fcntl locks belong to a process (closing any descriptor of the file drops
// them, and two locks in one process never conflict), while two CardLocks on one card conflict
// wherever they are. Locks live in the kernel and end with the process that held them, so a
// card killed at any instant is never left locked.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "euiccsim/applets/card_state.hpp"
#include "euiccsim/simulator/card_image.hpp"

namespace euiccsim::sim {

// Another process runs the card: what() is one line naming the image and, when the kernel
// tells (/proc/locks), the holder's PID and command line.
class CardBusy : public ImageError {
 public:
  CardBusy(const std::filesystem::path& image, pid_t pid, std::string command);
  pid_t pid;            // 0 when it cannot be told
  std::string command;  // the holder's command line; empty when it cannot be told
};

// Who holds a flock on the file `fd` refers to, as the kernel's lock table (/proc/locks) tells:
// its PID (0 when it cannot be told) and command line.
struct LockHolder {
  pid_t pid = 0;
  std::string command;
};
LockHolder lock_holder(int fd);

class CardLock {
 public:
  // Locks the image at `image`. CardBusy when another lock holds it; ImageError when there is
  // no image or it cannot be opened. Temporary files that earlier saves of this image left
  // behind (a writer killed mid-save) are removed: only the lock holder writes them.
  static CardLock acquire(const std::filesystem::path& image);

  CardLock(CardLock&& other) noexcept;
  CardLock& operator=(CardLock&& other) noexcept;
  CardLock(const CardLock&) = delete;
  CardLock& operator=(const CardLock&) = delete;
  ~CardLock();

  const std::filesystem::path& image() const { return image_; }
  bool held() const { return fd_ >= 0; }

  CardState load() const;
  // save_image under the lock, which moves to the new file before the rename.
  void save(const CardState& state, const SaveHooks& hooks = {});
  // Deletes the image (and temporaries) while the lock is held; the lock then ends.
  void remove();

 private:
  CardLock(std::filesystem::path image, int fd);
  void release() noexcept;
  std::filesystem::path image_;
  int fd_ = -1;
};

}  // namespace euiccsim::sim
