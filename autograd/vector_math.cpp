#include "xtgrad/autograd/vector_math.hpp"

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "xtgrad/autograd/vector_math_table.hpp"

namespace xtgrad::vmath {

namespace {

struct Entry {
    std::string_view name;
    const detail::Table* table;  // nullptr: libm
};

#if defined(XTGRAD_VMATH_X86)
/// Widest first. __builtin_cpu_supports also asks whether the OS saves the registers.
std::vector<Entry> available() {
    std::vector<Entry> sets;
    if (__builtin_cpu_supports("avx512f")) sets.push_back({"avx512f", &detail::avx512f_table});
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        sets.push_back({"avx2+fma", &detail::avx2_fma_table});
    sets.push_back({"sse2", &detail::sse2_table});
    return sets;
}
#else
std::vector<Entry> available() {
    return {{"scalar", nullptr}};
}
#endif

const std::vector<Entry>& sets() {
    static const std::vector<Entry> all = available();
    return all;
}

std::atomic<const Entry*>& chosen() {
    static std::atomic<const Entry*> entry{&sets().front()};
    return entry;
}

using detail::Loop;
using detail::Table;

/// The chosen set's loop for T (the member for_float or for_double of its table), or libm's
/// function an element at a time.
template <class T, class Libm>
void run(Loop<float> Table::*for_float, Loop<double> Table::*for_double, const T* x, T* y,
         std::size_t n, Libm libm) {
    const Table* table = chosen().load(std::memory_order_relaxed)->table;
    if (!table) {
        for (std::size_t i = 0; i < n; ++i) y[i] = libm(x[i]);
    } else if constexpr (std::is_same_v<T, float>) {
        (table->*for_float)(x, y, n);
    } else {
        (table->*for_double)(x, y, n);
    }
}

}  // namespace

template <class T>
void exp(const T* x, T* y, std::size_t n) {
    run(&Table::exp_float, &Table::exp_double, x, y, n, [](T v) { return std::exp(v); });
}

template <class T>
void tanh(const T* x, T* y, std::size_t n) {
    run(&Table::tanh_float, &Table::tanh_double, x, y, n, [](T v) { return std::tanh(v); });
}

void erf(const float* x, float* y, std::size_t n) {
    run(&Table::erf_float, nullptr, x, y, n, [](float v) { return std::erf(v); });
}

std::string_view instruction_set() {
    return chosen().load()->name;
}

std::vector<std::string_view> detail::available_instruction_sets() {
    std::vector<std::string_view> names;
    for (const Entry& e : sets()) names.push_back(e.name);
    return names;
}

void detail::pin_instruction_set(std::string_view set) {
    if (set.empty()) {
        chosen() = &sets().front();
        return;
    }
    for (const Entry& e : sets())
        if (e.name == set) {
            chosen() = &e;
            return;
        }
    throw std::invalid_argument("vector math: instruction set '" + std::string(set) +
                                "' is not available on this CPU or in this build");
}

template void exp(const float*, float*, std::size_t);
template void exp(const double*, double*, std::size_t);
template void tanh(const float*, float*, std::size_t);
template void tanh(const double*, double*, std::size_t);

}  // namespace xtgrad::vmath
