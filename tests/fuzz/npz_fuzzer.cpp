// libFuzzer target: parse_npz on arbitrary bytes must either return or throw NpyError, never
// crash, read out of bounds or allocate beyond what its deflate bound allows.
#include <cstddef>
#include <cstdint>
#include <span>

#include <xtgrad/io/npy.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        xtgrad::io::parse_npz(std::span(data, size), "fuzz");
    } catch (const xtgrad::io::NpyError&) {
    }
    return 0;
}
