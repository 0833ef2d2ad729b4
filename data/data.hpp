// Everything of xtgrad::data: IDX files, MNIST-style datasets, normalisation, the loader,
// augmentation.
#pragma once

#include "xtgrad/data/augment.hpp"
#include "xtgrad/data/dataset.hpp"
#include "xtgrad/data/idx.hpp"
#include "xtgrad/data/loader.hpp"
