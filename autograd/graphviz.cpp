#include "xtgrad/autograd/graphviz.hpp"

#include <sstream>
#include <unordered_set>
#include <vector>

#include "xtgrad/autograd/tape.hpp"

namespace xtgrad {

namespace {

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

template <class T>
std::string to_dot(const Tensor<T>& root) {
    using Impl = detail::TensorImpl<T>;
    std::ostringstream dot;
    dot << "digraph xtgrad {\n  rankdir=BT;\n  node [fontname=\"monospace\"];\n";
    std::unordered_set<const Impl*> seen;
    std::vector<const Impl*> pending{&root.impl()};
    seen.insert(pending.back());
    while (!pending.empty()) {  // iterative: graphs can be deeper than the stack
        const Impl* impl = pending.back();
        pending.pop_back();
        const void* id = impl;
        std::string label = impl->name.empty() ? std::string() : impl->name + "\n";
        if (impl->grad_fn) {
            const Node<T>& node = *impl->grad_fn;
            label += std::string(node.op().name) + " #" + std::to_string(node.sequence()) + "\n" +
                     to_string(impl->value.shape());
            if (node.released()) label += "\n(released)";
            dot << "  n" << id << " [shape=box, label=" << quoted(label) << "];\n";
            for (const auto& input : node.inputs()) {
                dot << "  n" << static_cast<const void*>(input.get()) << " -> n" << id << ";\n";
                if (seen.insert(input.get()).second) pending.push_back(input.get());
            }
        } else {
            label +=
                to_string(impl->value.shape()) + (impl->requires_grad ? "\nrequires_grad" : "");
            dot << "  n" << id << " [shape=ellipse, label=" << quoted(label) << "];\n";
        }
    }
    dot << "}\n";
    return dot.str();
}

template std::string to_dot(const Tensor<float>&);
template std::string to_dot(const Tensor<double>&);

}  // namespace xtgrad
