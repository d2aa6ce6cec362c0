// Command-line plumbing shared by the subcommands of icmpguard_gen: a fatal
// error that names the tool, an option table walker and value parsers that
// refuse anything out of range instead of guessing.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace gen {

// Print "icmpguard_gen: MSG" and exit 1.
[[noreturn]] void die(const std::string& msg);

// The options after a subcommand. `spec` maps each accepted option to
// whether it takes a value; anything else, a missing value or a repeated
// option is fatal, so a typo never silently becomes a default.
class Args {
public:
    Args(int argc, char** argv, int first, const std::map<std::string, bool>& spec);
    bool has(const std::string& opt) const { return values_.count(opt) != 0; }
    std::optional<std::string> get(const std::string& opt) const;
    std::string need(const std::string& opt) const;  // dies when absent

private:
    std::map<std::string, std::string> values_;
};

// An unsigned integer in [lo, hi]; `opt` names it in the error.
uint64_t parse_uint(const std::string& opt, const std::string& v, uint64_t lo, uint64_t hi);
double parse_seconds(const std::string& opt, const std::string& v);
std::array<uint8_t, 6> parse_mac(const std::string& opt, const std::string& v);

// "loading WHAT: ..." for a failed skeleton load: EPERM is privileges,
// anything else is most likely the verifier (its log is printed above).
std::string load_error(const std::string& what, int err);

}  // namespace gen
