// libFuzzer target: the checkpoint archive parser. The input's last four bytes are replaced by
// its correct CRC-32, so the fuzzer explores the structure behind the checksum; any input must
// give an archive or an ArchiveError.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <zlib.h>

#include <xtgrad/io/archive.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> bytes(data, data + size);
    if (bytes.size() >= 4) {
        const auto crc = static_cast<std::uint32_t>(
            crc32(0L, bytes.data(), static_cast<uInt>(bytes.size() - 4)));
        std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
    }
    try {
        const xtgrad::io::Archive archive = xtgrad::io::parse_archive(bytes, "fuzz");
        (void)archive;
    } catch (const xtgrad::io::ArchiveError&) {
    }
    return 0;
}
