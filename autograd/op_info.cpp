#include "xtgrad/autograd/op_info.hpp"

#include <array>

namespace xtgrad {

namespace {
#define XTGRAD_OP_ADDRESS(id, differentiable) &op_info::id,
constexpr std::array kBuiltinOps{XTGRAD_BUILTIN_OPS(XTGRAD_OP_ADDRESS)};
#undef XTGRAD_OP_ADDRESS
}  // namespace

std::span<const OpInfo* const> builtin_ops() {
    return kBuiltinOps;
}

}  // namespace xtgrad
