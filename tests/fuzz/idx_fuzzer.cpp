// libFuzzer target: the IDX reader (gzip layer and parser) must turn any input into either
// content or an IdxError, never a crash, a hang or an allocation sized by the header alone.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <xtgrad/data/idx.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const std::vector<std::uint8_t> bytes = xtgrad::data::decompress_if_gzip(
            std::vector<std::uint8_t>(data, data + size), "fuzz", 1 << 24);
        const auto content = xtgrad::data::parse_idx(bytes, "fuzz");
        std::size_t count = 1;
        for (std::size_t d : content.dims) count *= d;
        if (count != content.elements.size()) __builtin_trap();  // the parser's own promise
    } catch (const xtgrad::data::IdxError&) {
    }
    return 0;
}
