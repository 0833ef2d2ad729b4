#include "xtgrad/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace xtgrad::io {

namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what, int error) {
    throw WriteError(file.string() + ": " + what + ": " + std::strerror(error));
}

/// write() until everything is out, retrying on EINTR and short writes.
bool write_all(int fd, const std::byte* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& file, std::span<const std::byte> bytes) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    const std::filesystem::path temporary = file.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(temporary, "cannot create", errno);
    const bool written = write_all(fd, bytes.data(), bytes.size()) && ::fsync(fd) == 0;
    const int error = errno;
    if (::close(fd) != 0 || !written) {
        std::filesystem::remove(temporary);
        fail(temporary, "write failed", written ? errno : error);
    }
    if (std::rename(temporary.c_str(), file.c_str()) != 0) {
        const int rename_error = errno;
        std::filesystem::remove(temporary);
        fail(file, "cannot replace", rename_error);
    }
    const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);  // persist the rename
        ::close(dir);
    }
}

void write_file_atomically(const std::filesystem::path& file, std::string_view text) {
    write_file_atomically(file, std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace xtgrad::io
