// .npz archives through libzip: written in memory (then atomically to disk), read from memory.
#include <cstring>
#include <memory>
#include <set>

#include <zip.h>
#include <nlohmann/json.hpp>

#include "xtgrad/io/atomic_file.hpp"
#include "xtgrad/io/npy.hpp"
#include "xtgrad/io/read_file.hpp"

namespace xtgrad::io {

namespace {

constexpr std::string_view kSuffix = ".npy";
// Deflate expands at most 1032:1, so a member claiming more than that from its compressed bytes
// lies; the claim is refused before anything is allocated for it.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
// 1980-01-01 00:00 as an MS-DOS date and time, numpy's zipfile's default too: fixed bytes in
// any time zone.
constexpr zip_uint16_t kDosTime = 0;
constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr std::size_t kReadChunk = 1 << 20;

struct ZipDeleter {
    void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
    void operator()(zip_file_t* file) const { zip_fclose(file); }
};

std::string zip_message(zip_error_t* error) {
    std::string text = zip_error_strerror(error);
    zip_error_fini(error);
    return text;
}

}  // namespace

std::vector<std::uint8_t> npz_bytes(const TensorFile& content) {
    const auto fail = [](const std::string& what) {
        throw std::runtime_error("npz: cannot build the archive: " + what);
    };
    if (content.tensors.empty())  // libzip writes nothing for an archive without members
        throw std::invalid_argument("npz: an archive needs at least one tensor");
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (!buffer) fail(zip_message(&error));
    zip_source_keep(buffer);  // outlives the archive: the bytes are read from it after closing
    const std::unique_ptr<zip_source_t, decltype(&zip_source_free)> keep(buffer, zip_source_free);
    std::unique_ptr<zip_t, ZipDeleter> archive(zip_open_from_source(buffer, ZIP_TRUNCATE, &error));
    if (!archive) {
        zip_source_free(buffer);  // not taken by an archive: the caller's reference
        fail(zip_message(&error));
    }

    std::vector<std::string> members;  // libzip reads them when the archive is closed
    members.reserve(content.tensors.size());
    for (const auto& [name, array] : content.tensors) {
        members.push_back(npy_bytes(array));
        zip_source_t* source =
            zip_source_buffer(archive.get(), members.back().data(), members.back().size(), 0);
        if (!source) fail(zip_strerror(archive.get()));
        const zip_int64_t index = zip_file_add(archive.get(), (name + std::string(kSuffix)).c_str(),
                                               source, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            zip_source_free(source);
            fail(zip_strerror(archive.get()));
        }
        const auto i = static_cast<zip_uint64_t>(index);
        if (zip_set_file_compression(archive.get(), i, ZIP_CM_STORE, 0) < 0 ||
            zip_file_set_dostime(archive.get(), i, kDosTime, kDosDate, 0) < 0)
            fail(zip_strerror(archive.get()));
    }
    if (!content.metadata.empty()) {
        const std::string comment = nlohmann::json(content.metadata).dump();
        if (comment.size() > 0xffff) fail("metadata longer than a zip comment (64 KiB)");
        if (zip_set_archive_comment(archive.get(), comment.data(),
                                    static_cast<zip_uint16_t>(comment.size())) < 0)
            fail(zip_strerror(archive.get()));
    }
    if (zip_close(archive.get()) < 0) fail(zip_strerror(archive.get()));
    archive.release();  // closed: zip_close freed it

    std::vector<std::uint8_t> bytes;
    zip_stat_t stat;
    if (zip_source_stat(buffer, &stat) < 0 || zip_source_open(buffer) < 0)
        fail(zip_error_strerror(zip_source_error(buffer)));
    bytes.resize(stat.size);
    const zip_int64_t read = zip_source_read(buffer, bytes.data(), bytes.size());
    zip_source_close(buffer);
    if (read < 0 || static_cast<zip_uint64_t>(read) != stat.size)
        fail("the archive could not be read back");
    return bytes;
}

void save_npz(const std::filesystem::path& file, const TensorFile& content) {
    const auto bytes = npz_bytes(content);
    write_file_atomically(file, std::as_bytes(std::span(bytes)));
}

TensorFile parse_npz(std::span<const std::uint8_t> bytes, const std::string& name) {
    const auto fail = [&](const std::string& defect) { throw NpyError(name, defect); };
    // libzip opens an empty buffer as an empty archive; a zip file has at least its 22-byte end
    // record.
    if (bytes.size() < 22) fail("not a valid zip archive (.npz): too short");
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!source) fail("cannot be read: " + zip_message(&error));
    std::unique_ptr<zip_t, ZipDeleter> archive(
        zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
    if (!archive) {
        zip_source_free(source);
        fail("not a valid zip archive (.npz): " + zip_message(&error));
    }
    TensorFile content;
    int comment_length = 0;
    const char* comment = zip_get_archive_comment(archive.get(), &comment_length, ZIP_FL_ENC_RAW);
    if (comment && comment_length > 0) {
        // xtgrad's metadata; a comment of another tool is not metadata and is ignored.
        const auto json = nlohmann::json::parse(comment, comment + comment_length, nullptr,
                                                /*allow_exceptions=*/false);
        if (json.is_object())
            for (const auto& [key, value] : json.items())
                if (value.is_string()) content.metadata[key] = value.get<std::string>();
    }
    const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
    for (zip_int64_t index = 0; index < entries; ++index) {
        const auto i = static_cast<zip_uint64_t>(index);
        zip_stat_t stat;
        if (zip_stat_index(archive.get(), i, 0, &stat) < 0 || !(stat.valid & ZIP_STAT_NAME) ||
            !(stat.valid & ZIP_STAT_SIZE) || !(stat.valid & ZIP_STAT_COMP_SIZE))
            fail("member " + std::to_string(index) +
                 " cannot be read: " + zip_strerror(archive.get()));
        const std::string member = stat.name;
        const auto bad = [&](const std::string& what) { fail("member '" + member + "' " + what); };
        if (!member.ends_with(kSuffix) || member.size() == kSuffix.size())
            bad("is not a '<name>.npy' array");
        if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
            bad("is encrypted");
        const bool stored = (stat.valid & ZIP_STAT_COMP_METHOD) && stat.comp_method == ZIP_CM_STORE;
        if ((stored && stat.size != stat.comp_size) ||
            stat.size > stat.comp_size * kMaxDeflateRatio + 1024 || stat.comp_size > bytes.size())
            bad("claims " + std::to_string(stat.size) + " bytes from " +
                std::to_string(stat.comp_size) + (stored ? " stored" : " compressed") + " ones");
        // A repeated member name never gets here: libzip refuses the archive when it opens it.
        const std::string tensor = member.substr(0, member.size() - kSuffix.size());
        std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), i, 0));
        if (!file) bad("cannot be opened: " + std::string(zip_strerror(archive.get())));
        // Read as it inflates, so that memory follows the data actually there, not the claim.
        std::vector<std::uint8_t> npy;
        for (;;) {
            const std::size_t at = npy.size();
            npy.resize(at + kReadChunk);
            const zip_int64_t read = zip_fread(file.get(), npy.data() + at, kReadChunk);
            if (read < 0) bad("is damaged: " + std::string(zip_file_strerror(file.get())));
            npy.resize(at + static_cast<std::size_t>(read));
            if (read == 0) break;  // the end, where libzip has checked the CRC
            if (npy.size() > stat.size) bad("holds more bytes than it claims");
        }
        if (npy.size() != stat.size)
            bad("holds " + std::to_string(npy.size()) + " bytes, not the " +
                std::to_string(stat.size) + " it claims");
        content.tensors.emplace(tensor, parse_npy(npy, name + ": " + member));
    }
    return content;
}

TensorFile load_npz(const std::filesystem::path& file) {
    return parse_npz(read_whole_file<NpyError>(file), file.string());
}

}  // namespace xtgrad::io
