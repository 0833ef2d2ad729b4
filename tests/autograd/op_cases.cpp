#include "op_cases.hpp"

#include <cmath>
#include <limits>

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xstrided_view.hpp>

#include <xtgrad/autograd/op_info.hpp>
#include <xtgrad/autograd/ops.hpp>

#include "../support/random_arrays.hpp"

namespace xtgrad::testing {

namespace {

template <class T>
using Unary = std::function<Tensor<T>(const Tensor<T>&)>;
template <class T>
using Binary = std::function<Tensor<T>(const Tensor<T>&, const Tensor<T>&)>;
template <class T>
using Reference = std::function<Array<T>(const std::vector<Array<T>>&)>;

template <class T>
OpCase<T> unary_case(std::string label, Array<T> x, Unary<T> op,
                     std::function<Array<T>(const Array<T>&)> reference) {
    return {std::move(label),
            {std::move(x)},
            [op](const std::vector<Tensor<T>>& in) { return op(in[0]); },
            [reference](const std::vector<Array<T>>& in) { return reference(in[0]); },
            {}};
}

template <class T>
OpCase<T> binary_case(std::string label, Array<T> a, Array<T> b, Binary<T> op,
                      std::function<Array<T>(const Array<T>&, const Array<T>&)> reference) {
    return {std::move(label),
            {std::move(a), std::move(b)},
            [op](const std::vector<Tensor<T>>& in) { return op(in[0], in[1]); },
            [reference](const std::vector<Array<T>>& in) { return reference(in[0], in[1]); },
            {}};
}

/// Operand shapes covering equal shapes, a row vector, a column against a row, a scalar, a
/// rank-3 broadcast over a middle axis, and a batch of one.
const std::vector<std::pair<Shape, Shape>>& broadcast_shape_pairs() {
    static const std::vector<std::pair<Shape, Shape>> pairs = {{{3, 4}, {3, 4}},    {{3, 4}, {4}},
                                                               {{3, 1}, {1, 4}},    {{}, {2, 3}},
                                                               {{2, 3, 4}, {3, 1}}, {{1, 5}, {5}}};
    return pairs;
}

std::string shapes_label(const std::string& op, const Shape& a, const Shape& b) {
    return op + " " + to_string(a) + " with " + to_string(b);
}

template <class T>
void add_binary_family(std::map<std::string, std::vector<OpCase<T>>>& cases, TestRandom& rng) {
    for (const auto& [sa, sb] : broadcast_shape_pairs()) {
        cases["add"].push_back(binary_case<T>(
            shapes_label("add", sa, sb), rng.uniform_array<T>(sa, -1, 1),
            rng.uniform_array<T>(sb, -1, 1), [](auto& a, auto& b) { return a + b; },
            [](auto& a, auto& b) { return Array<T>(a + b); }));
        cases["sub"].push_back(binary_case<T>(
            shapes_label("sub", sa, sb), rng.uniform_array<T>(sa, -1, 1),
            rng.uniform_array<T>(sb, -1, 1), [](auto& a, auto& b) { return a - b; },
            [](auto& a, auto& b) { return Array<T>(a - b); }));
        cases["mul"].push_back(binary_case<T>(
            shapes_label("mul", sa, sb), rng.uniform_array<T>(sa, -1, 1),
            rng.uniform_array<T>(sb, -1, 1), [](auto& a, auto& b) { return a * b; },
            [](auto& a, auto& b) { return Array<T>(a * b); }));
        cases["div"].push_back(binary_case<T>(
            shapes_label("div", sa, sb), rng.uniform_array<T>(sa, -1, 1),
            rng.away_from_zero<T>(sb, 0.5, 2.0), [](auto& a, auto& b) { return a / b; },
            [](auto& a, auto& b) { return Array<T>(a / b); }));
        // maximum: a holds odd multiples of 1/8 and b multiples of 1/4, so every pair differs
        // by at least 1/8 and no tie (the kink) lies within the finite-difference step.
        Array<T> a = rng.uniform_array<T>(sa, -1, 1);
        for (auto& v : a) v = (std::floor(v * 4) + T(0.5)) / 4;
        Array<T> b = rng.uniform_array<T>(sb, -1, 1);
        for (auto& v : b) v = std::round(v * 4) / 4;
        cases["maximum"].push_back(binary_case<T>(
            shapes_label("maximum", sa, sb), a, b, [](auto& x, auto& y) { return maximum(x, y); },
            [](auto& x, auto& y) { return Array<T>(xt::maximum(x, y)); }));
    }
    // Comparison masks: operands share some values so that equality really occurs.
    Array<T> a = rng.uniform_array<T>({3, 4}, -1, 1);
    Array<T> b = rng.uniform_array<T>({4}, -1, 1);
    for (std::size_t j = 0; j < 4; j += 2) a(j % 3, j) = b(j);
    const auto compare = [&](const std::string& name, Binary<T> op,
                             std::function<Array<T>(const Array<T>&, const Array<T>&)> ref) {
        cases[name].push_back(
            binary_case<T>(shapes_label(name, a.shape(), b.shape()), a, b, op, ref));
    };
    compare(
        "greater", [](auto& x, auto& y) { return greater(x, y); },
        [](auto& x, auto& y) { return Array<T>(xt::cast<T>(x > y)); });
    compare(
        "greater_equal", [](auto& x, auto& y) { return greater_equal(x, y); },
        [](auto& x, auto& y) { return Array<T>(xt::cast<T>(x >= y)); });
    compare(
        "less", [](auto& x, auto& y) { return less(x, y); },
        [](auto& x, auto& y) { return Array<T>(xt::cast<T>(x < y)); });
    compare(
        "less_equal", [](auto& x, auto& y) { return less_equal(x, y); },
        [](auto& x, auto& y) { return Array<T>(xt::cast<T>(x <= y)); });
    compare(
        "equal", [](auto& x, auto& y) { return equal(x, y); },
        [](auto& x, auto& y) { return Array<T>(xt::cast<T>(xt::equal(x, y))); });
    compare(
        "not_equal", [](auto& x, auto& y) { return not_equal(x, y); },
        [](auto& x, auto& y) { return Array<T>(xt::cast<T>(xt::not_equal(x, y))); });
}

template <class T>
void add_unary_family(std::map<std::string, std::vector<OpCase<T>>>& cases, TestRandom& rng) {
    const std::vector<Shape> shapes = {{7}, {3, 4}, {1, 5}, {2, 3, 2}};
    for (const Shape& shape : shapes) {
        const std::string suffix = " " + to_string(shape);
        const auto unary = [&](const std::string& name, Array<T> x, Unary<T> op,
                               std::function<Array<T>(const Array<T>&)> ref) {
            cases[name].push_back(unary_case<T>(name + suffix, std::move(x), op, ref));
        };
        unary(
            "neg", rng.uniform_array<T>(shape, -2, 2), [](auto& x) { return -x; },
            [](auto& x) { return Array<T>(-x); });
        unary(
            "exp", rng.uniform_array<T>(shape, -2, 2), [](auto& x) { return exp(x); },
            [](auto& x) { return Array<T>(xt::exp(x)); });
        unary(
            "log", rng.uniform_array<T>(shape, 0.5, 3), [](auto& x) { return log(x); },
            [](auto& x) { return Array<T>(xt::log(x)); });
        unary(
            "tanh", rng.uniform_array<T>(shape, -2, 2), [](auto& x) { return tanh(x); },
            [](auto& x) { return Array<T>(xt::tanh(x)); });
        unary(
            "sigmoid", rng.uniform_array<T>(shape, -4, 4), [](auto& x) { return sigmoid(x); },
            [](auto& x) { return Array<T>(T(1) / (T(1) + xt::exp(-x))); });
        unary(
            "relu", rng.away_from_zero<T>(shape), [](auto& x) { return relu(x); },
            [](auto& x) { return Array<T>(xt::maximum(x, T(0))); });
        unary(
            "erf", rng.uniform_array<T>(shape, -2, 2), [](auto& x) { return erf(x); },
            [](auto& x) { return Array<T>(xt::erf(x)); });
        unary(
            "pow", rng.uniform_array<T>(shape, 0.5, 2), [](auto& x) { return pow(x, T(2.5)); },
            [](auto& x) { return Array<T>(xt::pow(x, T(2.5))); });
        unary(
            "pow", rng.uniform_array<T>(shape, 0.5, 2), [](auto& x) { return pow(x, T(-1.5)); },
            [](auto& x) { return Array<T>(xt::pow(x, T(-1.5))); });
        unary(
            "square", rng.uniform_array<T>(shape, -2, 2), [](auto& x) { return square(x); },
            [](auto& x) { return Array<T>(x * x); });
        unary(
            "sqrt", rng.uniform_array<T>(shape, 0.5, 3), [](auto& x) { return sqrt(x); },
            [](auto& x) { return Array<T>(xt::sqrt(x)); });
        unary(
            "abs", rng.away_from_zero<T>(shape), [](auto& x) { return abs(x); },
            [](auto& x) { return Array<T>(xt::abs(x)); });
        // clamp bounds at +-0.5; values at least 0.05 away from both bounds.
        Array<T> c = rng.uniform_array<T>(shape, -1, 1);
        for (auto& v : c)
            if (std::abs(std::abs(v) - T(0.5)) < T(0.05)) v = v > 0 ? T(0.3) : T(-0.8);
        unary(
            "clamp", c, [](auto& x) { return clamp(x, T(-0.5), T(0.5)); },
            [](auto& x) { return Array<T>(xt::clip(x, T(-0.5), T(0.5))); });
    }
}

template <class T>
Array<T> reference_matmul(const Array<T>& a, const Array<T>& b) {
    Array<T> out = xt::zeros<T>({a.shape(0), b.shape(1)});
    for (std::size_t i = 0; i < a.shape(0); ++i)
        for (std::size_t j = 0; j < b.shape(1); ++j)
            for (std::size_t k = 0; k < a.shape(1); ++k) out(i, j) += a(i, k) * b(k, j);
    return out;
}

template <class T>
Array<T> reshaped(const Array<T>& x, const Shape& shape) {
    Array<T> out = empty_array<T>(shape);
    std::copy(x.begin(), x.end(), out.begin());
    return out;
}

template <class T>
Array<T> reference_softmax(const Array<T>& x, std::size_t axis, bool logarithm) {
    Array<T> top = xt::amax(x, {axis}, xt::keep_dims);
    Array<T> shifted = x - top;
    Array<T> total = xt::sum(xt::exp(shifted), {axis}, xt::keep_dims);
    if (logarithm) return Array<T>(shifted - xt::log(total));
    return Array<T>(xt::exp(shifted) / total);
}

template <class T>
void add_structural_family(std::map<std::string, std::vector<OpCase<T>>>& cases, TestRandom& rng) {
    for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{
             {{3, 4}, {4, 5}}, {{1, 4}, {4, 1}}, {{5, 1}, {1, 3}}, {{1, 6}, {6, 2}}}) {
        cases["matmul"].push_back(binary_case<T>(
            shapes_label("matmul", sa, sb), rng.uniform_array<T>(sa, -1, 1),
            rng.uniform_array<T>(sb, -1, 1), [](auto& a, auto& b) { return matmul(a, b); },
            [](auto& a, auto& b) { return reference_matmul(a, b); }));
    }
    cases["transpose"].push_back(unary_case<T>(
        "transpose (3, 4)", rng.uniform_array<T>({3, 4}, -1, 1),
        [](auto& x) { return transpose(x); }, [](auto& x) { return Array<T>(xt::transpose(x)); }));
    cases["transpose"].push_back(unary_case<T>(
        "transpose (2, 3, 4) by (1, 2, 0)", rng.uniform_array<T>({2, 3, 4}, -1, 1),
        [](auto& x) {
            return transpose(x, {1, 2, 0});
        },
        [](auto& x) {
            return Array<T>(xt::transpose(x, {1, 2, 0}));
        }));
    cases["reshape"].push_back(unary_case<T>(
        "reshape (2, 6) to (3, -1)", rng.uniform_array<T>({2, 6}, -1, 1),
        [](auto& x) {
            return reshape(x, {3, -1});
        },
        [](auto& x) {
            return reshaped(x, {3, 4});
        }));
    cases["reshape"].push_back(unary_case<T>(
        "reshape (4) to (1, 2, 2)", rng.uniform_array<T>({4}, -1, 1),
        [](auto& x) {
            return reshape(x, {1, 2, 2});
        },
        [](auto& x) {
            return reshaped(x, {1, 2, 2});
        }));

    const auto reduction = [&](const std::string& name, bool average) {
        const auto op_all = [average](const Tensor<T>& x) { return average ? mean(x) : sum(x); };
        cases[name].push_back(
            unary_case<T>(name + " of all (3, 4)", rng.uniform_array<T>({3, 4}, -1, 1), op_all,
                          [average](const Array<T>& x) {
                              return Array<T>(xt::sum(x) / T(average ? x.size() : 1));
                          }));
        for (const auto& [shape, axis, keep] :
             std::vector<std::tuple<Shape, std::ptrdiff_t, bool>>{{{3, 4}, 0, false},
                                                                  {{3, 4}, 1, true},
                                                                  {{2, 3, 4}, -2, false},
                                                                  {{1, 5}, 1, false},
                                                                  {{2, 3, 4}, 2, true}}) {
            const std::size_t ax = static_cast<std::size_t>(
                axis < 0 ? axis + static_cast<std::ptrdiff_t>(shape.size()) : axis);
            cases[name].push_back(unary_case<T>(
                name + " " + to_string(shape) + " axis " + std::to_string(axis) +
                    (keep ? " keepdims" : ""),
                rng.uniform_array<T>(shape, -1, 1),
                [average, axis, keep](const Tensor<T>& x) {
                    return average ? mean(x, axis, keep) : sum(x, axis, keep);
                },
                [average, ax, keep](const Array<T>& x) {
                    const T count = average ? T(x.shape(ax)) : T(1);
                    if (keep) return Array<T>(xt::sum(x, {ax}, xt::keep_dims) / count);
                    return Array<T>(xt::sum(x, {ax}) / count);
                }));
        }
    };
    reduction("sum", false);
    reduction("mean", true);

    for (const bool logarithm : {false, true}) {
        const std::string name = logarithm ? "log_softmax" : "softmax";
        for (const auto& [shape, axis, scale] :
             std::vector<std::tuple<Shape, std::ptrdiff_t, double>>{
                 {{4, 5}, -1, 2.0},
                 {{4, 5}, 0, 2.0},
                 {{2, 3, 4}, 1, 2.0},
                 {{1, 10}, -1, 2.0},
                 {{3, 6}, -1, 40.0}}) {  // the last: large logits, must stay finite
            const std::size_t ax = static_cast<std::size_t>(
                axis < 0 ? axis + static_cast<std::ptrdiff_t>(shape.size()) : axis);
            cases[name].push_back(unary_case<T>(
                name + " " + to_string(shape) + " axis " + std::to_string(axis) + " scale " +
                    std::to_string(static_cast<int>(scale)),
                rng.uniform_array<T>(shape, -scale, scale),
                [logarithm, axis](const Tensor<T>& x) {
                    return logarithm ? log_softmax(x, axis) : softmax(x, axis);
                },
                [logarithm, ax](const Array<T>& x) {
                    return reference_softmax(x, ax, logarithm);
                }));
        }
    }

    for (const std::vector<Label>& labels :
         {std::vector<Label>{2, 0, 4, 4}, std::vector<Label>{1}}) {
        const Shape shape{labels.size(), 5};
        cases["gather"].push_back(unary_case<T>(
            "gather " + to_string(shape), rng.uniform_array<T>(shape, -1, 1),
            [labels](const Tensor<T>& x) { return gather(x, labels); },
            [labels](const Array<T>& x) {
                Array<T> out = empty_array<T>(Shape{labels.size()});
                for (std::size_t n = 0; n < labels.size(); ++n) out(n) = x(n, labels[n]);
                return out;
            }));
        cases["one_hot"].push_back(
            {"one_hot of " + std::to_string(labels.size()) + " labels",
             {},
             [labels](const std::vector<Tensor<T>>&) { return one_hot<T>(labels, 5); },
             [labels](const std::vector<Array<T>>&) {
                 Array<T> out = xt::zeros<T>({labels.size(), std::size_t{5}});
                 for (std::size_t n = 0; n < labels.size(); ++n) out(n, labels[n]) = 1;
                 return out;
             },
             {}});
    }
}

/// Cases in the regions the families above avoid: saturation, overflow, negative and fractional
/// bases, scalar denominators and exact ties.
template <class T>
void add_edge_family(std::map<std::string, std::vector<OpCase<T>>>& cases, TestRandom& rng) {
    // Saturated sigmoid: in float32 exp(90) overflows to inf and sigmoid(-90) must be exactly 0.
    cases["sigmoid"].push_back(unary_case<T>(
        "sigmoid saturated at +-30 and +-90", Array<T>{-90, -30, -1, T(0.5), 30, 90},
        [](auto& x) { return sigmoid(x); },
        [](auto& x) { return Array<T>(T(1) / (T(1) + xt::exp(-x))); }));
    // exp within a factor e^1.5 of the largest finite T (88.7 in float32, 709.8 in float64).
    const T top = std::log(std::numeric_limits<T>::max());
    cases["exp"].push_back(unary_case<T>(
        "exp near overflow", Array<T>{top - T(3), top - T(2), top - T(1.5)},
        [](auto& x) { return exp(x); }, [](auto& x) { return Array<T>(xt::exp(x)); }));

    // pow: negative bases with integer exponents, fractional bases, and x^0 through 0.
    for (const T exponent : {T(2), T(3), T(-2)}) {
        cases["pow"].push_back(unary_case<T>(
            "pow negative and positive bases ^" + std::to_string(static_cast<int>(exponent)),
            rng.away_from_zero<T>({3, 4}, 0.5, 2.0),
            [exponent](auto& x) { return pow(x, exponent); },
            [exponent](auto& x) { return Array<T>(xt::pow(x, exponent)); }));
    }
    cases["pow"].push_back(unary_case<T>(
        "pow fractional bases ^0.5", rng.uniform_array<T>({2, 3}, 0.05, 0.9),
        [](auto& x) { return pow(x, T(0.5)); },
        [](auto& x) { return Array<T>(xt::pow(x, T(0.5))); }));
    cases["pow"].push_back(unary_case<T>(
        "pow ^0 through 0", Array<T>{0, T(-1.5), T(0.75), 2}, [](auto& x) { return pow(x, T(0)); },
        [](auto& x) { return Array<T>(xt::pow(x, T(0))); }));

    // div by a scalar, rank 0 and rank 1, broadcast over a matrix.
    for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{{{3, 4}, {}}, {{2, 3}, {1}}})
        cases["div"].push_back(binary_case<T>(
            shapes_label("div", sa, sb) + " (scalar denominator)", rng.uniform_array<T>(sa, -1, 1),
            rng.away_from_zero<T>(sb, 0.5, 2.0), [](auto& a, auto& b) { return a / b; },
            [](auto& a, auto& b) { return Array<T>(a / b); }));

    // maximum with exact ties under broadcasting: the gradient is split evenly on a tie, which
    // is also what the central difference gives there. Other pairs differ by at least 1/4.
    const auto quarters = [&](const Shape& shape) {
        Array<T> x = rng.uniform_array<T>(shape, -1, 1);
        for (auto& v : x) v = std::round(v * 4) / 4;
        return x;
    };
    for (const auto& [sa, sb] :
         std::vector<std::pair<Shape, Shape>>{{{3, 4}, {4}}, {{3, 1}, {1, 4}}, {{}, {2, 3}}}) {
        Array<T> a = quarters(sa);
        Array<T> b = quarters(sb);
        // Force ties: copy some of b's values into a (or a's single value into b).
        if (a.size() == 1) {
            b.data()[0] = b.data()[4] = a.data()[0];
        } else if (b.dimension() == 1) {
            a(0, 0) = b(0);
            a(1, 1) = b(1);
            a(2, 3) = b(3);
        } else {
            b(0, 2) = a(1, 0);
            b(0, 0) = a(2, 0);
        }
        auto tied = binary_case<T>(
            shapes_label("maximum", sa, sb) + " with ties", a, b,
            [](auto& x, auto& y) { return maximum(x, y); },
            [](auto& x, auto& y) { return Array<T>(xt::maximum(x, y)); });
        tied.twice_differentiable = false;
        cases["maximum"].push_back(std::move(tied));
    }
}

/// Image (n, c, h, w) index of window entry (row, column) under w, or -1 in the padding:
/// written from the definition, independently of autograd/window.cpp.
std::ptrdiff_t window_source(const Shape& image, const Window2d& w, std::size_t oh_count,
                             std::size_t ow_count, std::size_t row, std::size_t column) {
    const std::size_t n = row / (oh_count * ow_count);
    const std::size_t oh = row / ow_count % oh_count;
    const std::size_t ow = row % ow_count;
    const std::size_t c = column / (w.kernel[0] * w.kernel[1]);
    const std::size_t i = column / w.kernel[1] % w.kernel[0];
    const std::size_t j = column % w.kernel[1];
    const auto ih = static_cast<std::ptrdiff_t>(oh * w.stride[0] + i * w.dilation[0]) -
                    static_cast<std::ptrdiff_t>(w.padding[0]);
    const auto iw = static_cast<std::ptrdiff_t>(ow * w.stride[1] + j * w.dilation[1]) -
                    static_cast<std::ptrdiff_t>(w.padding[1]);
    const auto h = static_cast<std::ptrdiff_t>(image[2]);
    const auto wd = static_cast<std::ptrdiff_t>(image[3]);
    if (ih < 0 || iw < 0 || ih >= h || iw >= wd) return -1;
    return ((static_cast<std::ptrdiff_t>(n * image[1] + c) * h) + ih) * wd + iw;
}

std::array<std::size_t, 2> output_grid(const Shape& image, const Window2d& w) {
    std::array<std::size_t, 2> grid{};
    for (std::size_t a = 0; a < 2; ++a)
        grid[a] = (image[2 + a] + 2 * w.padding[a] - w.dilation[a] * (w.kernel[a] - 1) - 1) /
                      w.stride[a] +
                  1;
    return grid;
}

template <class T>
void add_window_family(std::map<std::string, std::vector<OpCase<T>>>& cases, TestRandom& rng) {
    struct WindowCase {
        Shape image;
        Window2d window;
    };
    const std::vector<WindowCase> windows = {
        {{2, 3, 5, 4}, {.kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}}},
        {{1, 1, 4, 4}, {.kernel = {2, 2}, .stride = {2, 2}}},
        {{2, 2, 3, 3}, {.kernel = {3, 3}, .padding = {1, 1}}},
    };
    for (const auto& [image, w] : windows) {
        const auto [oh, ow] = output_grid(image, w);
        const std::size_t rows = image[0] * oh * ow;
        const std::size_t columns = image[1] * w.kernel[0] * w.kernel[1];
        const std::string label = to_string(image) + " kernel (" + std::to_string(w.kernel[0]) +
                                  ", " + std::to_string(w.kernel[1]) + ")";
        cases["unfold"].push_back(unary_case<T>(
            "unfold " + label, rng.uniform_array<T>(image, -1, 1),
            [w](auto& x) { return unfold(x, w); },
            [=](auto& x) {
                Array<T> cols = empty_array<T>({rows, columns});
                for (std::size_t r = 0; r < rows; ++r)
                    for (std::size_t c = 0; c < columns; ++c) {
                        const auto at = window_source(image, w, oh, ow, r, c);
                        cols(r, c) = at < 0 ? T(0) : x.data()[at];
                    }
                return cols;
            }));
        cases["fold"].push_back(unary_case<T>(
            "fold into " + label, rng.uniform_array<T>({rows, columns}, -1, 1),
            [image, w](auto& cols) { return fold(cols, image, w); },
            [=](auto& cols) {
                Array<T> out = xt::zeros<T>(image);
                for (std::size_t r = 0; r < rows; ++r)
                    for (std::size_t c = 0; c < columns; ++c) {
                        const auto at = window_source(image, w, oh, ow, r, c);
                        if (at >= 0) out.data()[at] += cols(r, c);
                    }
                return out;
            }));
    }
    // slice and embed along an axis, with steps, of a middle and a last axis.
    for (const auto& [shape, axis, start, stop, step] :
         std::vector<std::tuple<Shape, std::ptrdiff_t, std::size_t, std::size_t, std::size_t>>{
             {{3, 7, 2}, 1, 1, 6, 2}, {{4, 5}, -1, 0, 5, 1}, {{2, 6}, 0, 1, 2, 3}}) {
        const auto a =
            static_cast<std::size_t>(axis < 0 ? axis + std::ptrdiff_t(shape.size()) : axis);
        const std::size_t count = (stop - start + step - 1) / step;
        const std::string label = to_string(shape) + " axis " + std::to_string(axis) + " [" +
                                  std::to_string(start) + ":" + std::to_string(stop) + ":" +
                                  std::to_string(step) + "]";
        // The positions as an xtensor view (the cases slice axis 0 or 1).
        const auto positions = [=](auto& array) {
            return a == 0 ? xt::strided_view(array, {xt::range(start, stop, step)})
                          : xt::strided_view(array, {xt::all(), xt::range(start, stop, step)});
        };
        cases["slice"].push_back(unary_case<T>(
            "slice " + label, rng.uniform_array<T>(shape, -1, 1),
            [=](auto& x) { return slice(x, axis, start, stop, step); },
            [=](auto& x) { return Array<T>(positions(x)); }));
        Shape small = shape;
        small[a] = count;
        cases["embed"].push_back(unary_case<T>(
            "embed into " + label, rng.uniform_array<T>(small, -1, 1),
            [=](auto& x) { return embed(x, shape, axis, start, step); },
            [=](auto& x) {
                Array<T> out = xt::zeros<T>(shape);
                auto view = positions(out);
                std::copy(x.begin(), x.end(), view.begin());
                return out;
            }));
    }
    // max along an axis, over continuous random values (no ties: a tie's gradient goes to the
    // first maximum, which a central difference cannot see; test_shape_errors.cpp checks it).
    for (const auto& [shape, axis, keepdims] : std::vector<std::tuple<Shape, std::ptrdiff_t, bool>>{
             {{3, 4}, 1, false}, {{2, 3, 4}, 0, true}, {{4, 2, 3}, -2, false}, {{1, 5}, 1, true}}) {
        cases["max"].push_back(unary_case<T>(
            "max " + to_string(shape) + " axis " + std::to_string(axis) +
                (keepdims ? " keepdims" : ""),
            rng.uniform_array<T>(shape, -1, 1),
            [axis, keepdims](auto& x) { return max(x, axis, keepdims); },
            [axis, keepdims](auto& x) {
                const auto ax = static_cast<std::size_t>(axis < 0 ? axis + x.dimension() : axis);
                Array<T> m = xt::amax(x, {ax});
                if (keepdims) m = xt::expand_dims(m, ax);
                return m;
            }));
    }
}

/// Ops that pick entries: where (a mask of each shape pairing).
template <class T>
void add_selection_family(std::map<std::string, std::vector<OpCase<T>>>& cases, TestRandom& rng) {
    struct WhereShapes {
        Shape mask, a, b;
    };
    for (const auto& s : std::vector<WhereShapes>{
             {{3, 4}, {3, 4}, {3, 4}}, {{3, 1}, {4}, {3, 4}}, {{4}, {2, 3, 4}, {1}}}) {
        Array<T> mask = rng.uniform_array<T>(s.mask, 0, 1);
        for (auto& m : mask) m = m < 0.5 ? T(0) : T(1);
        cases["where"].push_back(binary_case<T>(
            "where mask " + to_string(s.mask) + " of " + to_string(s.a) + ", " + to_string(s.b),
            rng.uniform_array<T>(s.a, -1, 1), rng.uniform_array<T>(s.b, -1, 1),
            [mask](auto& x, auto& y) { return where(Tensor<T>(mask), x, y); },
            [mask](auto& x, auto& y) {
                return Array<T>(xt::where(xt::not_equal(mask, T(0)), x, y));
            }));
    }
    // index_select and index_add: repeated and unordered indices, first, middle and last axes.
    struct IndexCase {
        Shape shape;
        std::ptrdiff_t axis;
        std::vector<std::size_t> indices;
    };
    for (const auto& c : std::vector<IndexCase>{
             {{4, 3}, 0, {2, 0, 2, 3}}, {{2, 5, 3}, 1, {4, 1}}, {{3, 4}, -1, {3, 3, 0}}}) {
        const std::size_t a = static_cast<std::size_t>(
            c.axis < 0 ? c.axis + static_cast<std::ptrdiff_t>(c.shape.size()) : c.axis);
        std::size_t outer = 1, inner = 1;
        for (std::size_t d = 0; d < a; ++d) outer *= c.shape[d];
        for (std::size_t d = a + 1; d < c.shape.size(); ++d) inner *= c.shape[d];
        const std::size_t length = c.shape[a], count = c.indices.size();
        Shape small = c.shape;
        small[a] = count;
        const std::string label = to_string(c.shape) + " axis " + std::to_string(c.axis);
        // References: loops over (outer, position, inner), independent of ops_index.cpp.
        cases["index_select"].push_back(unary_case<T>(
            "index_select " + label, rng.uniform_array<T>(c.shape, -1, 1),
            [c](auto& x) { return index_select(x, c.axis, c.indices); },
            [=](auto& x) {
                Array<T> out = xt::zeros<T>(small);
                for (std::size_t o = 0; o < outer; ++o)
                    for (std::size_t k = 0; k < count; ++k)
                        for (std::size_t i = 0; i < inner; ++i)
                            out.data()[(o * count + k) * inner + i] =
                                x.data()[(o * length + c.indices[k]) * inner + i];
                return out;
            }));
        cases["index_add"].push_back(unary_case<T>(
            "index_add into " + label, rng.uniform_array<T>(small, -1, 1),
            [c](auto& x) { return index_add(x, c.shape, c.axis, c.indices); },
            [=](auto& x) {
                Array<T> out = xt::zeros<T>(c.shape);
                for (std::size_t o = 0; o < outer; ++o)
                    for (std::size_t k = 0; k < count; ++k)
                        for (std::size_t i = 0; i < inner; ++i)
                            out.data()[(o * length + c.indices[k]) * inner + i] +=
                                x.data()[(o * count + k) * inner + i];
                return out;
            }));
    }
}

}  // namespace

template <class T>
std::map<std::string, std::vector<OpCase<T>>> op_cases() {
    std::map<std::string, std::vector<OpCase<T>>> cases;
    TestRandom rng(20221);
    add_binary_family(cases, rng);
    add_unary_family(cases, rng);
    add_structural_family(cases, rng);
    add_edge_family(cases, rng);
    add_window_family(cases, rng);
    add_selection_family(cases, rng);  // last: earlier families keep their random draws
    return cases;
}

std::vector<std::string> differentiable_op_names() {
    std::vector<std::string> names;
    for (const OpInfo* op : builtin_ops())
        if (op->differentiable) names.emplace_back(op->name);
    return names;
}

template std::map<std::string, std::vector<OpCase<float>>> op_cases();
template std::map<std::string, std::vector<OpCase<double>>> op_cases();

}  // namespace xtgrad::testing
