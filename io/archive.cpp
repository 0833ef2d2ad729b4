#include "xtgrad/io/archive.hpp"

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include <zlib.h>

#include "xtgrad/io/atomic_file.hpp"
#include "xtgrad/io/read_file.hpp"

namespace xtgrad::io {

static_assert(std::endian::native == std::endian::little,
              "archives are written in little-endian order");

ArchiveError::ArchiveError(const std::string& file, const std::string& defect)
    : std::runtime_error(file + ": " + defect) {}

namespace {

constexpr char kMagic[8] = {'X', 'T', 'G', 'R', 'A', 'D', 'C', 'K'};
constexpr std::uint32_t kVersion = 1;
enum Kind : std::uint8_t { kFloat32 = 0, kFloat64 = 1, kUInt64 = 2, kText = 3 };

class Writer {
  public:
    template <class V>
    void value(V v) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
        bytes_.insert(bytes_.end(), p, p + sizeof(V));
    }
    void raw(const void* data, std::size_t size) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        bytes_.insert(bytes_.end(), p, p + size);
    }
    std::vector<std::uint8_t>& bytes() { return bytes_; }

  private:
    std::vector<std::uint8_t> bytes_;
};

/// Reads from an image whose checksum has been verified; still checks every length against
/// what remains, so nothing is allocated from a size the file cannot back.
class Reader {
  public:
    Reader(const std::vector<std::uint8_t>& bytes, std::size_t end, const std::string& name)
        : bytes_(bytes), end_(end), name_(name) {}

    template <class V>
    V value(const char* what) {
        need(sizeof(V), what);
        V v;
        std::memcpy(&v, bytes_.data() + at_, sizeof(V));
        at_ += sizeof(V);
        return v;
    }
    const std::uint8_t* take(std::uint64_t size, const char* what) {
        need(size, what);
        const std::uint8_t* p = bytes_.data() + at_;
        at_ += static_cast<std::size_t>(size);
        return p;
    }
    bool done() const { return at_ == end_; }

  private:
    void need(std::uint64_t size, const char* what) {
        if (size > end_ - at_)
            throw ArchiveError(
                name_, std::string("truncated ") + what + " at byte " + std::to_string(at_));
    }
    const std::vector<std::uint8_t>& bytes_;
    std::size_t end_;
    std::size_t at_ = 0;
    const std::string& name_;
};

std::uint32_t checksum(const std::uint8_t* data, std::size_t size) {
    uLong crc = crc32(0L, Z_NULL, 0);
    constexpr std::size_t kChunk = 1u << 30;  // zlib takes uInt lengths
    for (std::size_t done = 0; done < size; done += kChunk)
        crc = crc32(crc, data + done, static_cast<uInt>(std::min(kChunk, size - done)));
    return static_cast<std::uint32_t>(crc);
}

template <class T>
void write_array(Writer& w, Kind kind, const Array<T>& a) {
    w.value<std::uint8_t>(kind);
    w.value<std::uint32_t>(static_cast<std::uint32_t>(a.dimension()));
    for (std::size_t d : a.shape()) w.value<std::uint64_t>(d);
    w.value<std::uint64_t>(a.size() * sizeof(T));
    w.raw(a.data(), a.size() * sizeof(T));
}

template <class T>
Array<T> read_array(Reader& r, const std::string& file, const std::string& entry) {
    const auto rank = r.value<std::uint32_t>("rank");
    if (rank > 32)
        throw ArchiveError(file, "entry '" + entry + "' has rank " + std::to_string(rank));
    Shape shape(rank);
    std::uint64_t count = 1;
    std::uint64_t extent = 1;  // product of the nonzero dimensions: array strides must fit too
    for (auto& d : shape) {
        d = r.value<std::uint64_t>("dimensions");
        if (d != 0 &&
            extent > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) /
                         sizeof(T) / d)
            throw ArchiveError(file, "entry '" + entry + "' has dimensions that overflow");
        extent *= d == 0 ? 1 : d;
        count *= d;
    }
    const auto bytes = r.value<std::uint64_t>("payload size");
    if (bytes != count * sizeof(T))
        throw ArchiveError(file, "entry '" + entry + "': " + std::to_string(bytes) +
                                     " payload bytes for shape " + to_string(shape));
    const std::uint8_t* payload = r.take(bytes, "payload");
    Array<T> a = empty_array<T>(shape);
    if (bytes > 0) std::memcpy(a.data(), payload, bytes);  // an empty array's data() may be null
    return a;
}

}  // namespace

template <class T>
const Array<T>& Archive::array(const std::string& name) const {
    if (const auto* a = std::get_if<Array<T>>(&entry(name))) return *a;
    throw ArchiveError(source_, "entry '" + name + "' is not a " +
                                    (sizeof(T) == 4 ? "float32" : "float64") + " array");
}

const std::vector<std::uint64_t>& Archive::integers(const std::string& name) const {
    if (const auto* v = std::get_if<std::vector<std::uint64_t>>(&entry(name))) return *v;
    throw ArchiveError(source_, "entry '" + name + "' is not a list of integers");
}

const std::string& Archive::text(const std::string& name) const {
    if (const auto* t = std::get_if<std::string>(&entry(name))) return *t;
    throw ArchiveError(source_, "entry '" + name + "' is not a text");
}

const Archive::Entry& Archive::entry(const std::string& name) const {
    const auto found = entries_.find(name);
    if (found == entries_.end()) throw ArchiveError(source_, "has no entry '" + name + "'");
    return found->second;
}

void save_archive(const std::filesystem::path& file, const Archive& archive) {
    Writer w;
    w.raw(kMagic, sizeof kMagic);
    w.value<std::uint32_t>(kVersion);
    w.value<std::uint64_t>(archive.entries().size());
    for (const auto& [name, entry] : archive.entries()) {
        w.value<std::uint32_t>(static_cast<std::uint32_t>(name.size()));
        w.raw(name.data(), name.size());
        if (const auto* f = std::get_if<Array<float>>(&entry)) {
            write_array(w, kFloat32, *f);
        } else if (const auto* d = std::get_if<Array<double>>(&entry)) {
            write_array(w, kFloat64, *d);
        } else if (const auto* v = std::get_if<std::vector<std::uint64_t>>(&entry)) {
            w.value<std::uint8_t>(kUInt64);
            w.value<std::uint32_t>(1);
            w.value<std::uint64_t>(v->size());
            w.value<std::uint64_t>(v->size() * sizeof(std::uint64_t));
            w.raw(v->data(), v->size() * sizeof(std::uint64_t));
        } else {
            const auto& t = std::get<std::string>(entry);
            w.value<std::uint8_t>(kText);
            w.value<std::uint32_t>(1);
            w.value<std::uint64_t>(t.size());
            w.value<std::uint64_t>(t.size());
            w.raw(t.data(), t.size());
        }
    }
    w.value<std::uint32_t>(checksum(w.bytes().data(), w.bytes().size()));

    try {
        io::write_file_atomically(file, std::as_bytes(std::span(w.bytes())));
    } catch (const io::WriteError& e) {
        throw ArchiveError(file.string(), std::string("cannot save: ") + e.what());
    }
}

Archive parse_archive(const std::vector<std::uint8_t>& bytes, const std::string& name) {
    constexpr std::size_t kMinimum = sizeof kMagic + 4 + 8 + 4;
    if (bytes.size() < kMinimum)
        throw ArchiveError(
            name, "too short to be an xtgrad archive (" + std::to_string(bytes.size()) + " bytes)");
    if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        throw ArchiveError(name, "not an xtgrad archive (bad magic)");
    const std::size_t body = bytes.size() - 4;
    std::uint32_t stored = 0;
    std::memcpy(&stored, bytes.data() + body, 4);
    if (stored != checksum(bytes.data(), body))
        throw ArchiveError(name, "checksum mismatch: the file is corrupted or was cut short");

    Reader r(bytes, body, name);
    r.take(sizeof kMagic, "magic");
    const auto version = r.value<std::uint32_t>("version");
    if (version != kVersion)
        throw ArchiveError(name, "archive version " + std::to_string(version) +
                                     " (this build reads version " + std::to_string(kVersion) +
                                     ")");
    const auto count = r.value<std::uint64_t>("entry count");
    Archive archive;
    archive.source_ = name;
    for (std::uint64_t i = 0; i < count; ++i) {
        const auto length = r.value<std::uint32_t>("name length");
        const std::uint8_t* text = r.take(length, "name");
        const std::string entry(reinterpret_cast<const char*>(text), length);
        const auto kind = r.value<std::uint8_t>("kind");
        switch (kind) {
            case kFloat32:
                archive.entries_[entry] = read_array<float>(r, name, entry);
                break;
            case kFloat64:
                archive.entries_[entry] = read_array<double>(r, name, entry);
                break;
            case kUInt64: {
                const Array<double> as_bits =
                    read_array<double>(r, name, entry);  // same 8-byte layout
                std::vector<std::uint64_t> values(as_bits.size());
                if (!values.empty()) std::memcpy(values.data(), as_bits.data(), values.size() * 8);
                archive.entries_[entry] = std::move(values);
                break;
            }
            case kText: {
                if (r.value<std::uint32_t>("rank") != 1)
                    throw ArchiveError(name, "text entry '" + entry + "' has a bad rank");
                const auto size = r.value<std::uint64_t>("text size");
                if (r.value<std::uint64_t>("payload size") != size)
                    throw ArchiveError(name, "text entry '" + entry + "' has inconsistent sizes");
                const std::uint8_t* payload = r.take(size, "text");
                archive.entries_[entry] = std::string(reinterpret_cast<const char*>(payload), size);
                break;
            }
            default:
                throw ArchiveError(
                    name, "entry '" + entry + "' has unknown kind " + std::to_string(kind));
        }
    }
    if (!r.done()) throw ArchiveError(name, "unexpected bytes after the last entry");
    return archive;
}

Archive load_archive(const std::filesystem::path& file) {
    return parse_archive(read_whole_file<ArchiveError>(file), file.string());
}

template const Array<float>& Archive::array<float>(const std::string&) const;
template const Array<double>& Archive::array<double>(const std::string&) const;

}  // namespace xtgrad::io
