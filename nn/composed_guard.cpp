#include "xtgrad/nn/composed_guard.hpp"

namespace xtgrad::nn {

namespace {
thread_local bool g_composed = false;
}  // namespace

bool composed_enabled() {
    return g_composed;
}

ComposedGuard::ComposedGuard(bool enable) : previous_(g_composed) {
    g_composed = enable;
}

ComposedGuard::~ComposedGuard() {
    g_composed = previous_;
}

}  // namespace xtgrad::nn
