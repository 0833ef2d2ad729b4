// What a weights file holds, whatever its format (safetensors, .npz): named float32/float64
// arrays and string metadata. The readers of those formats share one error type.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>

#include "xtgrad/autograd/array.hpp"

namespace xtgrad::io {

using StoredArray = std::variant<Array<float>, Array<double>>;

struct TensorFile {
    std::map<std::string, StoredArray> tensors;
    std::map<std::string, std::string> metadata;
};

/// "F32" or "F64" (safetensors' names; a .npy says '<f4' or '<f8').
const char* dtype_name(const StoredArray& array);
template <class T>
constexpr const char* dtype_name() {
    return std::is_same_v<T, float> ? "F32" : "F64";
}

/// The element count of shape for items of `item` bytes, or an error text: a size above what an
/// array can index (PTRDIFF_MAX bytes), or a product that overflows, even beside a zero size.
std::variant<std::uint64_t, std::string> checked_element_count(const Shape& shape,
                                                               std::size_t item);

/// A file that is not what its format says: the message is "<file>: <defect>".
class FormatError : public std::runtime_error {
  public:
    FormatError(const std::string& file, const std::string& defect);
};

}  // namespace xtgrad::io
