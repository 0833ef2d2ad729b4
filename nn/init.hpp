// Weight initialisation, drawn from an explicit RandomEngine in row-major order, with
// PyTorch's formulas (torch.nn.init, 1.13). Weights are (fan_in, fan_out): the transpose of
// PyTorch's (out, in) layout, so fan_in is the number of rows.
#pragma once

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/random.hpp"

namespace xtgrad::nn {

/// The nonlinearity that follows a layer, for the gain of its initialisation.
enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu, selu };
/// Which fan Kaiming initialisation preserves the variance of.
enum class FanMode { fan_in, fan_out };

/// torch.nn.init.calculate_gain: 1 (linear, sigmoid), 5/3 (tanh), sqrt(2) (relu),
/// sqrt(2 / (1 + slope^2)) (leaky_relu), 3/4 (selu).
double gain(Nonlinearity nonlinearity, double negative_slope = 0.01);

struct Init {
    enum class Kind {
        normal,           // N(0, std^2): the lab's randn(in, out) * init_std
        constant,         // every weight `value`
        xavier_uniform,   // U(-b, b), b = gain sqrt(6 / (in + out))   (Glorot & Bengio)
        xavier_normal,    // N(0, s^2), s = gain sqrt(2 / (in + out))
        kaiming_uniform,  // U(-b, b), b = gain sqrt(3 / fan)           (He et al.)
        kaiming_normal,   // N(0, s^2), s = gain / sqrt(fan)
        orthogonal,       // gain times an orthonormal matrix (QR of a normal draw)
    };
    Kind kind = Kind::normal;
    double std = 0.01;                                     // normal
    double value = 0;                                      // constant
    double gain = 1;                                       // xavier, orthogonal
    FanMode mode = FanMode::fan_in;                        // kaiming
    Nonlinearity nonlinearity = Nonlinearity::leaky_relu;  // kaiming (PyTorch's default)
    double negative_slope = 0;                             // kaiming: leaky_relu's slope a

    static Init normal(double std) { return {.kind = Kind::normal, .std = std}; }
    static Init constant(double value) { return {.kind = Kind::constant, .value = value}; }
    static Init xavier_uniform(double gain = 1) {
        return {.kind = Kind::xavier_uniform, .gain = gain};
    }
    static Init xavier_normal(double gain = 1) {
        return {.kind = Kind::xavier_normal, .gain = gain};
    }
    /// PyTorch's defaults (a = 0, fan_in, leaky_relu) give b = sqrt(6 / fan_in).
    static Init kaiming_uniform(FanMode mode = FanMode::fan_in,
                                Nonlinearity nonlinearity = Nonlinearity::leaky_relu,
                                double negative_slope = 0) {
        return {.kind = Kind::kaiming_uniform,
                .mode = mode,
                .nonlinearity = nonlinearity,
                .negative_slope = negative_slope};
    }
    static Init kaiming_normal(FanMode mode = FanMode::fan_in,
                               Nonlinearity nonlinearity = Nonlinearity::leaky_relu,
                               double negative_slope = 0) {
        return {.kind = Kind::kaiming_normal,
                .mode = mode,
                .nonlinearity = nonlinearity,
                .negative_slope = negative_slope};
    }
    static Init orthogonal(double gain = 1) { return {.kind = Kind::orthogonal, .gain = gain}; }
};

/// Fills a (fan_in, fan_out) weight in row-major order. Draws are made in double and rounded
/// to T once, so a float64 model gets numpy's exact values. Throws std::invalid_argument for a
/// negative std or gain.
template <class T>
void initialize(Array<T>& weight, const Init& init, RandomEngine& rng);

extern template void initialize(Array<float>&, const Init&, RandomEngine&);
extern template void initialize(Array<double>&, const Init&, RandomEngine&);

}  // namespace xtgrad::nn
