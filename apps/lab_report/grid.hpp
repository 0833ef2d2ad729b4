// The experiment grid of the lab report, read from a checked-in JSON spec (grid.json): two
// architectures x activations x losses, and one-knob sweeps, in faithful and corrected mode.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <xtgrad/train/run_config.hpp>

namespace xtgrad::lab {

struct RunSpec {
    std::string mode;  // faithful | corrected
    std::string part;  // one-hidden, two-hidden, sweep-lr, ...
    std::string key;   // "relu/softmax-ce" or "lr=0.001"
    train::RunConfig config;
    std::string same_as;  // name of an earlier run with the identical config (trained once)

    std::string name() const { return mode + "/" + part + "/" + key; }
    /// File-name form of name(): "faithful--one-hidden--relu--softmax-ce".
    std::string stem() const;
};

struct PartSpec {
    std::string name;
    std::string title;
    std::vector<std::string> activations;
    std::vector<std::string> losses;
};

struct SweepSpec {
    std::string knob;  // its name in run names and the report: lr, batch_size, momentum, ...
    std::string key;   // the RunConfig JSON key it sets: lr, batch-size, momentum, ...
    std::vector<nlohmann::json> values;
    std::string part() const { return "sweep-" + knob; }
};

struct GridSpec {
    std::vector<std::string> modes;
    std::vector<PartSpec> parts;
    std::vector<SweepSpec> sweeps;
    std::vector<RunSpec> runs;
    bool quick = false;

    const RunSpec* find(const std::string& name) const;
};

/// Reads the spec; `modes` selects faithful and/or corrected. quick applies the spec's "quick"
/// overrides (few epochs on a subset) to every run. Throws std::runtime_error naming the file
/// and the problem.
GridSpec load_grid(const std::filesystem::path& file, const std::vector<std::string>& modes,
                   bool quick);

/// Whether a run name contains the pattern: a substring ("one-hidden/relu") or a shell glob
/// matched anywhere in the name ("one-hidden/*/hinge").
bool run_matches(const std::string& name, const std::string& pattern);

}  // namespace xtgrad::lab
