// Identity of an op kind: its name and whether it has a gradient.
//
// Every built-in op is listed once in XTGRAD_BUILTIN_OPS. The list is what the gradcheck suite
// iterates: an op added here without a gradcheck case makes that suite fail, and an op that
// records itself needs an OpInfo, so no op can reach the tape untested. User-defined ops declare
// their own OpInfo (see custom_op.hpp).
#pragma once

#include <span>
#include <string_view>

namespace xtgrad {

struct OpInfo {
    std::string_view name;
    bool differentiable = true;
};

// X(identifier, differentiable)
// clang-format off
#define XTGRAD_BUILTIN_OPS(X) \
    X(add, true) \
    X(sub, true) \
    X(mul, true) \
    X(div, true) \
    X(neg, true) \
    X(matmul, true) \
    X(transpose, true) \
    X(reshape, true) \
    X(sum, true) \
    X(mean, true) \
    X(exp, true) \
    X(log, true) \
    X(tanh, true) \
    X(sigmoid, true) \
    X(relu, true) \
    X(erf, true) \
    X(pow, true) \
    X(square, true) \
    X(sqrt, true) \
    X(abs, true) \
    X(maximum, true) \
    X(where, true) \
    X(clamp, true) \
    X(softmax, true) \
    X(log_softmax, true) \
    X(gather, true) \
    X(max, true) \
    X(unfold, true) \
    X(fold, true) \
    X(slice, true) \
    X(embed, true) \
    X(index_select, true) \
    X(index_add, true) \
    X(one_hot, false) \
    X(greater, false) \
    X(greater_equal, false) \
    X(less, false) \
    X(less_equal, false) \
    X(equal, false) \
    X(not_equal, false)
// clang-format on

namespace op_info {
#define XTGRAD_DECLARE_OP_INFO(id, differentiable) inline constexpr OpInfo id{#id, differentiable};
XTGRAD_BUILTIN_OPS(XTGRAD_DECLARE_OP_INFO)
#undef XTGRAD_DECLARE_OP_INFO
}  // namespace op_info

/// Every built-in op, in declaration order.
std::span<const OpInfo* const> builtin_ops();

}  // namespace xtgrad
