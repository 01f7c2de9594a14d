// FileWriter: writes files on a thread of its own, so that a loop that saves what it receives (a
// download, a recording) never stops for the disk. For a network loop that is throughput: on
// loopback QUIC runs with a congestion window of a few dozen packets (ngtcp2 0.12 caps it near
// 2.89 x delivery rate x min_rtt), so every moment the receiver spends in write(2) is a moment
// no ACK leaves and the sender waits. Http3Client saving a 64 MiB body to ext4 on its loop
// thread lost a quarter of the download's speed to it.
//
// Each file's writes happen in the order given. At most max_queued_bytes wait in total; past that
// write() blocks until the thread catches up, so memory stays bounded when the disk is slower than
// the network.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net {

class FileWriter {
 public:
  struct File;  // one open file: its descriptor, its queued writes, its first error

  explicit FileWriter(std::size_t max_queued_bytes = 16u << 20);
  ~FileWriter();  // waits for queued writes of files not abandoned; closes what is left open
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Creates (or truncates) path for writing.
  // Errors: kIo (the file cannot be created: names it and the reason).
  Result<std::shared_ptr<File>> create(const std::string& path);
  // An empty buffer to fill for write(): one the thread has written out already when there is
  // one (its capacity kept: fresh memory costs a page fault per 4 KiB), else a new one.
  Bytes buffer();
  // Queues bytes to be appended to the file. False once the file has failed (close() says why):
  // the caller may stop early.
  bool write(const std::shared_ptr<File>& file, Bytes bytes);
  // The file's writes queued after this one go with O_DIRECT, past the page cache: for a large
  // file it saves the kernel's copy of every byte into fresh page-cache pages (a fifth of a 64
  // MiB download's client CPU here). Bytes are copied to an aligned buffer and written in 4 KiB
  // blocks; close() writes the last partial block through the page cache, so a direct file must
  // be closed (or abandoned) to be complete. Nothing changes if, when the thread comes to it,
  // the file does not end on a block boundary, or fcntl refuses O_DIRECT there (a file system
  // without direct I/O); a direct write the file system refuses (EINVAL) sends the rest
  // through the page cache. Each direct write waits for the device: on a slow disk or a network
  // file system that bounds the speed.
  void direct(const std::shared_ptr<File>& file);
  // Waits for the file's queued writes (a direct file's last partial block too) and closes it.
  // Errors: kIo (a write or the close failed: names the file and the reason).
  Status close(const std::shared_ptr<File>& file);
  // Drops the file's queued writes, closes it and removes it from the disk.
  void abandon(const std::shared_ptr<File>& file);

 private:
  struct Job {
    std::shared_ptr<File> file;
    Bytes bytes;
    // kGoDirect and kFinish carry no bytes: direct() and close()'s last block for this file, in
    // order with its writes.
    enum Kind : std::uint8_t { kWrite, kGoDirect, kFinish } kind = kWrite;
  };
  struct AlignedFree {
    void operator()(std::uint8_t* p) const;
  };
  void run();
  // Appends bytes to a direct file through staging_ (the thread's); the errno that stopped it.
  int write_direct(File& f, ByteSpan bytes);

  const std::size_t max_queued_bytes_;
  std::mutex mutex_;
  std::condition_variable work_, room_;  // the thread waits for jobs; writers wait for room
  std::deque<Job> jobs_;
  std::deque<Bytes> spare_;  // written buffers, for buffer()
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::thread thread_;                                    // started with the first file
  std::unique_ptr<std::uint8_t[], AlignedFree> staging_;  // direct writes' aligned buffer
};

// One file written through a FileWriter from bytes that come in small pieces (packets): they are
// gathered into buffers of piece_bytes before they are handed over, so the thread makes few large
// writes. Not thread-safe (one loop owns it). An unfinished file is abandoned when it is
// destroyed.
class BufferedFile {
 public:
  static constexpr std::size_t kDefaultPieceBytes = 1u << 20;

  // Creates path through `writer` (which must outlive this).
  // Errors: those of FileWriter::create.
  static Result<BufferedFile> create(FileWriter& writer, const std::string& path,
                                     std::size_t piece_bytes = kDefaultPieceBytes);
  BufferedFile(BufferedFile&&) noexcept = default;
  BufferedFile& operator=(BufferedFile&&) noexcept;
  ~BufferedFile();

  // False once a write has failed (close() says why); what was given is then dropped.
  bool append(ByteSpan bytes);
  // Writes what is left and closes the file.
  // Errors: kState (closed or abandoned already), and those of FileWriter::close.
  Status close();
  // Writes the file with O_DIRECT (FileWriter::direct): what is appended from here on, and what
  // is gathered but not yet handed over. Call before the first append, when the file is known
  // to be large.
  void direct();
  // Drops what is queued and removes the file (as the destructor does for an unfinished file).
  void abandon();
  bool open() const { return file_ != nullptr; }

 private:
  BufferedFile(FileWriter& writer, std::shared_ptr<FileWriter::File> file, std::size_t piece_bytes)
      : writer_(&writer), file_(std::move(file)), piece_bytes_(piece_bytes) {}

  FileWriter* writer_ = nullptr;
  std::shared_ptr<FileWriter::File> file_;
  std::size_t piece_bytes_ = kDefaultPieceBytes;
  Bytes piece_;
};

}  // namespace theta_net
