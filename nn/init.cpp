#include "xtgrad/nn/init.hpp"

#include <cmath>
#include <stdexcept>

#include "xtgrad/autograd/blas.hpp"

namespace xtgrad::nn {

double gain(Nonlinearity nonlinearity, double negative_slope) {
    switch (nonlinearity) {
        case Nonlinearity::linear:
        case Nonlinearity::sigmoid:
            return 1;
        case Nonlinearity::tanh:
            return 5.0 / 3;
        case Nonlinearity::relu:
            return std::sqrt(2.0);
        case Nonlinearity::leaky_relu:
            return std::sqrt(2.0 / (1 + negative_slope * negative_slope));
        case Nonlinearity::selu:
            return 3.0 / 4;
    }
    throw std::invalid_argument("gain: a nonlinearity outside its enum");
}

namespace {

template <class T>
void fill_normal(Array<T>& weight, double std, RandomEngine& rng) {
    for (auto& w : weight) w = static_cast<T>(rng.normal() * std);
}

template <class T>
void fill_uniform(Array<T>& weight, double bound, RandomEngine& rng) {
    for (auto& w : weight) w = static_cast<T>((2.0 * rng.uniform() - 1.0) * bound);
}

template <class T>
void fill_orthogonal(Array<T>& weight, double gain, RandomEngine& rng) {
    // A normal (long side, short side) matrix, its Q (orthonormal columns), laid out as weight.
    const std::size_t rows = weight.shape(0), cols = weight.shape(1);
    const bool tall = rows >= cols;
    Array<double> a = empty_array<double>({tall ? rows : cols, tall ? cols : rows});
    for (auto& v : a) v = rng.normal();
    blas::orthonormalize_columns(a);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j)
            weight(i, j) = static_cast<T>(gain * (tall ? a(i, j) : a(j, i)));
}

}  // namespace

template <class T>
void initialize(Array<T>& weight, const Init& init, RandomEngine& rng) {
    if (weight.dimension() != 2)
        throw ShapeError("initialize", weight.shape(), "weights are (fan_in, fan_out) matrices");
    if (!(init.std >= 0) || !(init.gain >= 0))
        throw std::invalid_argument("initialize: std and gain must be >= 0");
    const double fan_in = static_cast<double>(weight.shape(0));
    const double fan_out = static_cast<double>(weight.shape(1));
    const double fan = init.mode == FanMode::fan_in ? fan_in : fan_out;
    const double kaiming_gain = gain(init.nonlinearity, init.negative_slope);
    switch (init.kind) {
        case Init::Kind::normal:
            return fill_normal(weight, init.std, rng);
        case Init::Kind::constant:
            for (auto& w : weight) w = static_cast<T>(init.value);
            return;
        case Init::Kind::xavier_uniform:
            return fill_uniform(weight, init.gain * std::sqrt(6.0 / (fan_in + fan_out)), rng);
        case Init::Kind::xavier_normal:
            return fill_normal(weight, init.gain * std::sqrt(2.0 / (fan_in + fan_out)), rng);
        case Init::Kind::kaiming_uniform:
            return fill_uniform(weight, kaiming_gain * std::sqrt(3.0 / fan), rng);
        case Init::Kind::kaiming_normal:
            return fill_normal(weight, kaiming_gain / std::sqrt(fan), rng);
        case Init::Kind::orthogonal:
            return fill_orthogonal(weight, init.gain, rng);
    }
}

template void initialize(Array<float>&, const Init&, RandomEngine&);
template void initialize(Array<double>&, const Init&, RandomEngine&);

}  // namespace xtgrad::nn
