// libFuzzer target: parse_npy on arbitrary bytes must either return or throw NpyError, never
// crash, read out of bounds or allocate beyond what the input backs.
#include <cstddef>
#include <cstdint>
#include <span>

#include <xtgrad/io/npy.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        xtgrad::io::parse_npy(std::span(data, size), "fuzz");
    } catch (const xtgrad::io::NpyError&) {
    }
    return 0;
}
