// mnist-train's command line: one flag per field of the run configuration table (--key), with
// the table's help text, typed values and choices.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "xtgrad/train/run_config.hpp"

namespace mnist_train {

/// Adds --config FILE and a flag for every field of config, writing into it.
void add_options(CLI::App& app, xtgrad::train::RunConfig& config, std::string& config_file);

}  // namespace mnist_train
