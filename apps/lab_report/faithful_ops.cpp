#include "faithful_ops.hpp"

#include <cmath>
#include <numbers>

#include <xtgrad/autograd/blas.hpp>
#include <xtgrad/autograd/custom_op.hpp>

namespace xtgrad::lab {

namespace {

constexpr OpInfo kFaithfulLinear{"faithful_linear"};
constexpr OpInfo kFaithfulRelu{"faithful_relu"};
constexpr OpInfo kFaithfulGelu{"faithful_gelu"};
constexpr OpInfo kFaithfulSoftmaxCe{"faithful_softmax_cross_entropy"};
constexpr OpInfo kFaithfulHinge{"faithful_hinge"};

Array<double> scalar_array(double value) {
    Array<double> out = empty_array<double>(Shape{});
    out.data()[0] = value;
    return out;
}

/// The lab's GeLU, operation for operation.
double gelu_tanh(double u) {
    return 0.5 * u *
           (1.0 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * (u + 0.044715 * u * u * u)));
}

void require_logits(std::string_view op, const Tensord& logits, std::span<const Label> labels) {
    if (logits.dimension() != 2 || logits.shape()[0] != labels.size() || labels.empty())
        throw ShapeError(op, logits.shape(), Shape{labels.size()},
                         "needs logits (N, C) and N labels");
    check_labels(op, labels, logits.shape()[1]);
}

}  // namespace

Tensord faithful_linear(const Tensord& x, const Tensord& weight, const Tensord& bias) {
    const Array<double>& xv = x.value();
    const Array<double>& wv = weight.value();
    if (xv.dimension() != 2 || wv.dimension() != 2 || xv.shape(1) != wv.shape(0) ||
        bias.shape()[0] != wv.shape(1))
        throw ShapeError("faithful_linear", xv.shape(), wv.shape(),
                         "needs x (N, in), W (in, out), b (out)");
    const std::size_t rows = xv.shape(0);
    const std::size_t cols = wv.shape(1);
    Array<double> y = empty_array<double>({rows, cols});
    blas::gemm("faithful_linear", xv, false, wv, false, y);  // np.dot(x, W) ...
    const double* b = bias.value().data();
    for (std::size_t r = 0; r < rows; ++r)  // ... + b
        for (std::size_t j = 0; j < cols; ++j) y.data()[r * cols + j] += b[j];
    return record_op(kFaithfulLinear, std::move(y), {x, weight, bias},
                     [x, weight, rows, cols](BackwardContext<double>& ctx) {
                         const Array<double>& g = ctx.grad_output();
                         matmul_backward("faithful_linear backward", ctx, x, 0, weight, 1);
                         if (ctx.needs_grad(2)) {  // deviation 1: np.mean(G, axis=0)
                             Array<double> db = xt::zeros<double>({cols});
                             for (std::size_t r = 0; r < rows; ++r)
                                 for (std::size_t j = 0; j < cols; ++j)
                                     db.data()[j] += g.data()[r * cols + j];
                             for (double& v : db) v /= static_cast<double>(rows);
                             ctx.accumulate(2, std::move(db));
                         }
                     });
}

Tensord faithful_relu(const Tensord& u) {
    Array<double> y = empty_array<double>(u.shape());
    const double* in = u.value().data();
    for (std::size_t i = 0; i < y.size(); ++i)
        y.data()[i] = (std::abs(in[i]) + in[i]) / 2;  // deviation 7
    return record_op(kFaithfulRelu, std::move(y), {u}, [u](BackwardContext<double>& ctx) {
        const double* g = ctx.grad_output().data();
        const double* v = u.value().data();
        Array<double> du = empty_array<double>(u.shape());
        for (std::size_t i = 0; i < du.size(); ++i) du.data()[i] = v[i] > 0 ? g[i] : 0.0;
        ctx.accumulate(0, std::move(du));
    });
}

Tensord faithful_gelu(const Tensord& u) {
    Array<double> y = empty_array<double>(u.shape());
    const double* in = u.value().data();
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = gelu_tanh(in[i]);
    return record_op(kFaithfulGelu, std::move(y), {u}, [u](BackwardContext<double>& ctx) {
        const double* g = ctx.grad_output().data();
        const double* v = u.value().data();
        const double* f = ctx.output().data();
        Array<double> du = empty_array<double>(u.shape());
        for (std::size_t i = 0; i < du.size(); ++i)  // deviation 5
            du.data()[i] = g[i] * ((gelu_tanh(v[i] + 1e-5) - f[i]) / 1e-5);
        ctx.accumulate(0, std::move(du));
    });
}

Tensord faithful_softmax_cross_entropy(const Tensord& logits, std::span<const Label> labels) {
    require_logits("faithful_softmax_cross_entropy", logits, labels);
    const std::size_t rows = logits.shape()[0];
    const std::size_t cols = logits.shape()[1];
    const double* x = logits.value().data();
    Array<double> h = empty_array<double>(logits.shape());
    double total = 0;
    for (std::size_t n = 0; n < rows; ++n) {  // deviation 6: exp(x) / sum exp(x), no shift
        double sum = 0;
        for (std::size_t k = 0; k < cols; ++k)
            sum += (h.data()[n * cols + k] = std::exp(x[n * cols + k]));
        for (std::size_t k = 0; k < cols; ++k) h.data()[n * cols + k] /= sum;
        total += std::log(h.data()[n * cols + static_cast<std::size_t>(labels[n])]);
    }
    return record_op(kFaithfulSoftmaxCe, scalar_array(-total / static_cast<double>(rows)), {logits},
                     [h = std::move(h), picked = std::vector<Label>(labels.begin(), labels.end()),
                      cols](BackwardContext<double>& ctx) {
                         const double scale =
                             ctx.grad_output().data()[0] / static_cast<double>(picked.size());
                         Array<double> dx = h;
                         for (std::size_t n = 0; n < picked.size(); ++n)
                             dx.data()[n * cols + static_cast<std::size_t>(picked[n])] -= 1.0;
                         for (double& v : dx) v *= scale;
                         ctx.accumulate(0, std::move(dx));
                     });
}

Tensord faithful_hinge(const Tensord& logits, std::span<const Label> labels, double margin) {
    require_logits("faithful_hinge", logits, labels);
    const std::size_t rows = logits.shape()[0];
    const std::size_t cols = logits.shape()[1];
    const double* x = logits.value().data();
    double total = 0;
    for (std::size_t n = 0; n < rows; ++n) {  // the loss value is the true hinge
        const std::size_t y = static_cast<std::size_t>(labels[n]);
        for (std::size_t k = 0; k < cols; ++k)
            if (k != y) total += std::max(0.0, margin - x[n * cols + y] + x[n * cols + k]);
    }
    return record_op(
        kFaithfulHinge, scalar_array(total / static_cast<double>(rows)), {logits},
        [logits, picked = std::vector<Label>(labels.begin(), labels.end()), margin,
         cols](BackwardContext<double>& ctx) {
            const double g = ctx.grad_output().data()[0];
            const double* xv = logits.value().data();
            Array<double> dx = xt::zeros<double>(logits.shape());
            for (std::size_t n = 0; n < picked.size(); ++n) {
                const std::size_t y = static_cast<std::size_t>(picked[n]);
                const double moved_y = xv[n * cols + y] - margin;  // deviation 2: x' = x - D t
                double active = 0;
                for (std::size_t k = 0; k < cols; ++k) {
                    if (k != y && margin - moved_y + xv[n * cols + k] > 0) {  // deviation 3
                        dx.data()[n * cols + k] = g;
                        active += 1;
                    }
                }
                dx.data()[n * cols + y] = -g * active;  // no division by N
            }
            ctx.accumulate(0, std::move(dx));
        });
}

double faithful_hinge_accuracy(const Tensord& logits, std::span<const Label> labels,
                               double margin) {
    require_logits("faithful_hinge_accuracy", logits, labels);
    Array<double> moved = logits.value();  // deviation 4: accuracy on x' = x - D t
    const std::size_t cols = logits.shape()[1];
    for (std::size_t n = 0; n < labels.size(); ++n)
        moved.data()[n * cols + static_cast<std::size_t>(labels[n])] -= margin;
    return nn::accuracy(Tensord(std::move(moved)), labels);
}

namespace {

class FaithfulLinear : public nn::Module<double> {
  public:
    FaithfulLinear(std::size_t in, std::size_t out, double init_std, RandomEngine& rng)
        : in_(in), out_(out) {
        Array<double> w = empty_array<double>({in, out});
        nn::initialize(w, nn::Init::normal(init_std), rng);
        weight_ = &register_parameter("weight", Tensord(std::move(w)));
        bias_ = &register_parameter("bias", Tensord(xt::zeros<double>({out})));
    }
    Tensord forward(const Tensord& x) override { return faithful_linear(x, *weight_, *bias_); }
    std::string describe() const override {
        return "FaithfulLinear(" + std::to_string(in_) + ", " + std::to_string(out_) + ")";
    }

  private:
    std::size_t in_, out_;
    Tensord* weight_;
    Tensord* bias_;
};

class FaithfulActivation : public nn::Module<double> {
  public:
    explicit FaithfulActivation(nn::Activation kind) : kind_(kind) {}
    Tensord forward(const Tensord& u) override {
        switch (kind_) {
            case nn::Activation::relu:
                return faithful_relu(u);
            case nn::Activation::gelu:
                return faithful_gelu(u);
            default:
                return sigmoid(u);  // the lab's sigmoid matches the library's
        }
    }
    std::string describe() const override {
        return "Faithful(" + std::string(nn::to_string(kind_)) + ")";
    }

  private:
    nn::Activation kind_;
};

class FaithfulLoss : public nn::Loss<double> {
  public:
    FaithfulLoss(train::LossKind kind, double margin) : kind_(kind), margin_(margin) {}
    Tensord forward(const Tensord& logits, std::span<const Label> labels) override {
        switch (kind_) {
            case train::LossKind::softmax_ce:
                return faithful_softmax_cross_entropy(logits, labels);
            case train::LossKind::hinge:
                return faithful_hinge(logits, labels, margin_);
            case train::LossKind::euclidean:
                break;
        }
        return nn::fused::euclidean_loss(logits, labels);  // no deviation in the lab's Euclidean
    }
    std::string describe() const override {
        return "Faithful(" + std::string(train::choice_name(kind_)) + ")";
    }

  private:
    train::LossKind kind_;
    double margin_;
};

}  // namespace

train::Model<double> make_faithful_model(const train::RunConfig& config, std::size_t features,
                                         RandomEngine& rng) {
    const nn::Activation activation = config.act;
    if (activation == nn::Activation::gelu_erf)
        throw std::invalid_argument(
            "the lab has no erf GeLU; faithful mode supports sigmoid, relu and gelu");
    std::vector<std::size_t> sizes = {features};
    sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
    sizes.push_back(train::kClasses);
    auto network = std::make_shared<nn::Sequential<double>>();
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
        network->add(
            "fc" + std::to_string(i + 1),
            std::make_shared<FaithfulLinear>(sizes[i], sizes[i + 1], config.init_std, rng));
        if (i + 2 < sizes.size())
            network->add("act" + std::to_string(i + 1),
                         std::make_shared<FaithfulActivation>(activation));
    }
    train::Model<double> model;
    model.network = network;
    model.loss = std::make_shared<FaithfulLoss>(config.loss, config.margin);
    if (config.loss == train::LossKind::hinge) {
        const double margin = config.margin;
        model.accuracy = [margin](const Tensord& logits, std::span<const Label> labels) {
            return faithful_hinge_accuracy(logits, labels, margin);
        };
    }
    return model;
}

}  // namespace xtgrad::lab
