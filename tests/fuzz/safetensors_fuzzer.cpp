// libFuzzer target: parse_safetensors on arbitrary bytes must either return or throw
// SafetensorsError, never crash, read out of bounds or allocate beyond what the input backs.
#include <cstddef>
#include <cstdint>
#include <span>

#include <xtgrad/io/safetensors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        xtgrad::io::parse_safetensors(std::span(data, size), "fuzz");
    } catch (const xtgrad::io::SafetensorsError&) {
    }
    return 0;
}
