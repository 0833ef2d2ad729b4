#include "xtgrad/io/tensor_file.hpp"

#include <cstddef>
#include <cstdint>

namespace xtgrad::io {

const char* dtype_name(const StoredArray& array) {
    return std::holds_alternative<Array<float>>(array) ? dtype_name<float>() : dtype_name<double>();
}

std::variant<std::uint64_t, std::string> checked_element_count(const Shape& shape,
                                                               std::size_t item) {
    // Every size is checked, zeros left out of the product: xtensor computes strides from the
    // other sizes even when the array is empty.
    const std::uint64_t limit = static_cast<std::uint64_t>(PTRDIFF_MAX) / item;
    std::uint64_t nonzero = 1;
    bool empty = false;
    for (std::size_t size : shape) {
        if (size == 0) {
            empty = true;
            continue;
        }
        if (size > limit || nonzero > limit / size)
            return std::string("shape sizes overflow when multiplied");
        nonzero *= size;
    }
    return empty ? std::uint64_t{0} : nonzero;
}

FormatError::FormatError(const std::string& file, const std::string& defect)
    : std::runtime_error(file + ": " + defect) {}

}  // namespace xtgrad::io
