#include "xtgrad/io/tensor_file.hpp"

namespace xtgrad::io {

const char* dtype_name(const StoredArray& array) {
    return std::holds_alternative<Array<float>>(array) ? dtype_name<float>() : dtype_name<double>();
}

FormatError::FormatError(const std::string& file, const std::string& defect)
    : std::runtime_error(file + ": " + defect) {}

}  // namespace xtgrad::io
