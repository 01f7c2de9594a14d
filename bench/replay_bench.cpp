// The stream diff on two 1,000,000-event streams (bench/replay_stream_gen.hpp says what they hold)
// next to GNU diff and a straightforward Python json-per-line comparison of the same files, in
// one run; each tool runs as its own process, timed wall-clock, its peak resident memory taken
// from the process itself (VmHWM) where it can say, else from wait4. Also the CLI as CI runs it,
// the diff in this process, the EventWriter's rate, and the line scanner and parser next to
// simdjson on the same lines (json_line_baselines.hpp).
//   ./dev bench replay        (5 repetitions; the summary at the end gives medians and ratios)
// Environment: THETA_REPLAY_BENCH_EVENTS (default 1000000), THETA_REPLAY_BENCH_DIR (default
// /tmp/theta_replay_bench), THETA_REPLAY_BENCH_PYTHON (default /usr/bin/python3).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "json_line_baselines.hpp"
#include "replay_stream_gen.hpp"
#include "theta_net/replay/stream_diff.hpp"

extern char** environ;

namespace {

using namespace theta_net;
namespace fs = std::filesystem;

// The straightforward comparison a team would write first: parse each line pair, compare.
// Positional, so after the first missing event every later line differs; it is a cost baseline.
constexpr const char* kPythonBaseline = R"(
import itertools, json, sys
differing = 0
with open(sys.argv[1], encoding="utf-8") as fa, open(sys.argv[2], encoding="utf-8") as fb:
    for la, lb in itertools.zip_longest(fa, fb):
        if la is None or lb is None or json.loads(la) != json.loads(lb):
            differing += 1
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(f"differences={differing} vmhwm_kb={hwm}")
)";

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

long vmhwm_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Setup {
  std::string dir, a, b, out, self;
  std::uint64_t events = 0;
  bench::StreamPair pair;
  double generate_seconds = 0;
} g;

struct ChildRun {
  double seconds = 0;
  double peak_mb = 0;  // the child's own VmHWM if it printed one, else wait4's ru_maxrss
  int exit_code = -1;
  std::string output;
};

// Runs argv with stdout to a file; posix_spawn (vfork-like) keeps this process's pages out of
// the child's maxrss as far as the kernel allows (the floor is measured with /bin/true).
ChildRun run_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, g.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ChildRun run;
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) return run;
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  posix_spawn_file_actions_destroy(&actions);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  std::ifstream in(g.out);
  std::getline(in, run.output, '\0');
  const auto hwm = run.output.find("vmhwm_kb=");
  if (hwm != std::string::npos) run.peak_mb = std::stod(run.output.substr(hwm + 9)) / 1024.0;
  return run;
}

double field(const std::string& output, const std::string& name) {
  const auto at = output.find(name + "=");
  return at == std::string::npos ? -1 : std::stod(output.substr(at + name.size() + 1));
}

void report(benchmark::State& state, const ChildRun& run, int expected_exit) {
  if (run.exit_code != expected_exit) {
    state.SkipWithError(("exit code " + std::to_string(run.exit_code) + ": " + run.output).c_str());
    return;
  }
  state.SetIterationTime(run.seconds);
  state.counters["peak_MB"] = run.peak_mb;
  state.counters["differences"] = field(run.output, "differences");
}

void BM_DiffTheta(benchmark::State& state) {
  for (auto _ : state) report(state, run_child({g.self, "--diff-child", g.a, g.b}), 1);
}

void BM_DiffGnu(benchmark::State& state) {
  for (auto _ : state) report(state, run_child({"/usr/bin/diff", g.a, g.b}), 1);
}

void BM_DiffPythonJsonLines(benchmark::State& state) {
  const std::string python = env_or("THETA_REPLAY_BENCH_PYTHON", "/usr/bin/python3");
  for (auto _ : state) report(state, run_child({python, "-c", kPythonBaseline, g.a, g.b}), 0);
}

// The command CI runs: Python start-up, importing theta_net, the diff, the JSON report.
void BM_DiffCli(benchmark::State& state) {
  std::string source = THETA_SHARED_DIR;
  source.erase(source.rfind("/../shared"));
  const std::string cli = source + "/.venv/bin/theta-net";
  if (!fs::exists(cli)) {
    state.SkipWithError(("no " + cli + " (run ./dev bootstrap)").c_str());
    return;
  }
  for (auto _ : state) {
    report(state, run_child({cli, "replay", "diff", "--json", g.a, g.b}), 1);
    state.counters.erase("differences");
  }
}

void BM_SpawnFloor(benchmark::State& state) {
  for (auto _ : state) report(state, run_child({"/bin/true"}), 0);
}

void BM_DiffInProcess(benchmark::State& state) {
  for (auto _ : state) {
    auto r = replay::diff_event_files(g.a, g.b, {});
    if (!r.ok()) state.SkipWithError(r.error().describe().c_str());
    if (r.ok()) state.counters["differences"] = static_cast<double>(r->total());
  }
}

void BM_EventWriter(benchmark::State& state) {
  // What the game pays per event: build a move event and write its canonical line to memory.
  auto writer =
      replay::EventWriter::to_memory(replay::StreamHeader::for_this_build("b", 1, 20, "server"));
  replay::Event e(0, "move");
  std::int64_t tick = 0;
  for (auto _ : state) {
    e.reset(++tick, "move");
    e.entity(3)
        .set("pos", replay::JsonValue::array({103.25, 64.0, -220.5}))
        .set("yaw", 9125)
        .set("pitch", -12);
    benchmark::DoNotOptimize(writer->write(e));
    if (writer->buffered().size() > (1u << 24)) writer->take();
  }
  state.SetItemsProcessed(state.iterations());
}

// The line benchmarks share stream A in memory, loaded on first use (after the child processes).
const bench::JsonLines& stream_a_lines() {
  static const bench::JsonLines lines = bench::JsonLines::load(g.a, /*skip_header=*/true);
  return lines;
}

void set_line_counters(benchmark::State& state, const bench::JsonLines& in, std::uint64_t ok) {
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(in.file_size));
  state.counters["lines_ok"] = static_cast<double>(ok);
}

// Every scanner must find what ours finds (the same lines valid, ticks and field text).
template <class Scan>
void scan_bench(benchmark::State& state, Scan&& scan) {
  const bench::JsonLines& in = stream_a_lines();
  static const bench::ScanTally reference = bench::scan_theta(in);
  bench::ScanTally t;
  for (auto _ : state) {
    t = scan(in);
    benchmark::DoNotOptimize(t);
  }
  if (!(t == reference)) state.SkipWithError("the scan found other fields than scan_event_line");
  set_line_counters(state, in, t.lines_ok);
}

void BM_ScanLinesTheta(benchmark::State& state) {
  scan_bench(state, [](const bench::JsonLines& in) { return bench::scan_theta(in); });
}

void BM_ScanLinesSimdjsonDom(benchmark::State& state) {
  simdjson::dom::parser parser;
  scan_bench(state,
             [&](const bench::JsonLines& in) { return bench::scan_simdjson_dom(in, parser); });
}

void BM_ScanLinesSimdjsonOnDemand(benchmark::State& state) {
  simdjson::ondemand::parser parser;
  scan_bench(state,
             [&](const bench::JsonLines& in) { return bench::scan_simdjson_ondemand(in, parser); });
}

void BM_ScanLinesSimdjsonParseMany(benchmark::State& state) {
  simdjson::dom::parser parser;
  scan_bench(state, [&](const bench::JsonLines& in) {
    return bench::scan_simdjson_parse_many(in, parser);
  });
}

void BM_ParseLinesTheta(benchmark::State& state) {
  const bench::JsonLines& in = stream_a_lines();
  std::uint64_t ok = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ok = bench::parse_theta(in));
  set_line_counters(state, in, ok);
}

void BM_ParseLinesSimdjsonDom(benchmark::State& state) {
  const bench::JsonLines& in = stream_a_lines();
  simdjson::dom::parser parser;
  if (!bench::parsers_agree(in, parser, 101)) {
    state.SkipWithError("simdjson's values differ from parse_json's");
    return;
  }
  std::uint64_t ok = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ok = bench::parse_simdjson_dom(in, parser));
  set_line_counters(state, in, ok);
}

void BM_ParseManySimdjson(benchmark::State& state) {
  const bench::JsonLines& in = stream_a_lines();
  simdjson::dom::parser parser;
  std::uint64_t ok = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ok = bench::parse_many_simdjson(in, parser));
  set_line_counters(state, in, ok);
}

// Collects the medians (or single runs) to print a summary with ratios.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      Row& row = rows[run.run_name.function_name];
      row.seconds = run.GetAdjustedRealTime() / 1e3;  // the unit is milliseconds
      for (const auto& [name, counter] : run.counters) row.counters[name] = counter.value;
      if (run.run_type == Run::RT_Aggregate) row.median = true;
      if (run.run_type == Run::RT_Iteration || run.aggregate_name == "median") {
        row.items_per_second =
            run.counters.count("items_per_second") ? run.counters.at("items_per_second").value : 0;
      }
    }
  }
  struct Row {
    double seconds = 0;
    double items_per_second = 0;
    bool median = false;
    std::map<std::string, double> counters;
  };
  std::map<std::string, Row> rows;
};

int run_diff_child(const std::string& a, const std::string& b) {
  auto r = replay::diff_event_files(a, b, {});
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.error().describe().c_str());
    return 2;
  }
  std::printf("differences=%llu changed=%llu missing=%llu extra=%llu reordered=%llu vmhwm_kb=%ld\n",
              static_cast<unsigned long long>(r->total()),
              static_cast<unsigned long long>(r->count(replay::DifferenceType::kChanged)),
              static_cast<unsigned long long>(r->count(replay::DifferenceType::kMissing)),
              static_cast<unsigned long long>(r->count(replay::DifferenceType::kExtra)),
              static_cast<unsigned long long>(r->count(replay::DifferenceType::kReordered)),
              vmhwm_kb());
  return r->equal ? 0 : 1;
}

// The scanner and parser next to simdjson: time per pass over stream A's event lines.
void print_line_summary(const SummaryReporter& reporter) {
  if (reporter.rows.count("BM_ScanLinesTheta") == 0) return;  // filtered out
  const bench::JsonLines& in = stream_a_lines();
  std::printf(
      "\nJSON lines of stream A in memory: %zu lines, %.1f MB; simdjson %d.%d.%d, kernel %s\n",
      in.lines.size(), static_cast<double>(in.file_size) / 1e6, simdjson::SIMDJSON_VERSION_MAJOR,
      simdjson::SIMDJSON_VERSION_MINOR, simdjson::SIMDJSON_VERSION_REVISION,
      simdjson::get_active_implementation()->name().c_str());
  std::printf("%-52s %10s %9s %9s %10s\n", "job: contender", "per pass", "ns/line", "MB/s",
              "vs ours");
  const std::tuple<const char*, const char*, const char*> rows[] = {
      {"BM_ScanLinesTheta", "scan: scan_event_line (ours)", "BM_ScanLinesTheta"},
      {"BM_ScanLinesSimdjsonDom", "scan: simdjson DOM parse + 4 look-ups", "BM_ScanLinesTheta"},
      {"BM_ScanLinesSimdjsonOnDemand", "scan: simdjson On-Demand, 4 fields (less checked)",
       "BM_ScanLinesTheta"},
      {"BM_ScanLinesSimdjsonParseMany", "scan: simdjson parse_many + 4 look-ups",
       "BM_ScanLinesTheta"},
      {"BM_ParseLinesTheta", "parse: parse_json to JsonValue (ours)", "BM_ParseLinesTheta"},
      {"BM_ParseLinesSimdjsonDom", "parse: simdjson DOM + JsonValue", "BM_ParseLinesTheta"},
      {"BM_ParseManySimdjson", "floor: simdjson parse_many, no look-ups", "BM_ScanLinesTheta"},
  };
  for (auto [key, label, base] : rows) {
    auto it = reporter.rows.find(key);
    auto ref = reporter.rows.find(base);
    if (it == reporter.rows.end() || it->second.items_per_second <= 0) continue;
    const double ns = 1e9 / it->second.items_per_second;
    const double pass = ns * static_cast<double>(in.lines.size()) / 1e9;
    char ratio[32] = "";
    if (ref != reporter.rows.end() && ref->second.items_per_second > 0) {
      std::snprintf(ratio, sizeof ratio, "%.2fx",
                    ref->second.items_per_second / it->second.items_per_second);
    }
    std::printf("%-52s %8.3f s %9.1f %9.0f %10s\n", label, pass, ns,
                static_cast<double>(in.file_size) / 1e6 / pass, ratio);
  }
  std::printf("(\"vs ours\": its time over ours for the same job; above 1 is slower)\n");
}

void print_summary(const SummaryReporter& reporter) {
  auto row = [&](const char* name) -> const SummaryReporter::Row* {
    auto it = reporter.rows.find(name);
    return it == reporter.rows.end() ? nullptr : &it->second;
  };
  const auto* ours = row("BM_DiffTheta");
  std::printf(
      "\nreplay diff: %llu events per stream over %llu ticks, %.1f MB + %.1f MB, %llu planted "
      "differences (generated in %.1f s)\n",
      static_cast<unsigned long long>(g.pair.events_a),
      static_cast<unsigned long long>(g.pair.ticks), static_cast<double>(fs::file_size(g.a)) / 1e6,
      static_cast<double>(fs::file_size(g.b)) / 1e6,
      static_cast<unsigned long long>(g.pair.planted), g.generate_seconds);
  std::printf("%-34s %12s %10s %13s %12s\n", "tool (own process)", "wall", "peak RSS",
              "differences", "vs theta_net");
  const std::pair<const char*, const char*> tools[] = {
      {"BM_DiffTheta", "theta_net stream diff (C++)"},
      {"BM_DiffGnu", "GNU diff (line diff)"},
      {"BM_DiffPythonJsonLines", "Python json per line (positional)"},
      {"BM_DiffCli", "theta-net replay diff --json (CLI)"},
      {"BM_SpawnFloor", "/bin/true (measurement floor)"},
      {"BM_DiffInProcess", "theta_net, in this process"},
  };
  for (auto [key, label] : tools) {
    const auto* r = row(key);
    if (r == nullptr) continue;
    const auto peak = r->counters.count("peak_MB") ? r->counters.at("peak_MB") : -1;
    const auto diffs = r->counters.count("differences") ? r->counters.at("differences") : -1;
    char ratio[32] = "";
    const std::string k = key;
    if (ours != nullptr && ours->seconds > 0 &&
        (k == "BM_DiffGnu" || k == "BM_DiffPythonJsonLines")) {
      std::snprintf(ratio, sizeof ratio, "%.1fx", r->seconds / ours->seconds);
    }
    char peak_text[32] = "-";
    if (peak >= 0) std::snprintf(peak_text, sizeof peak_text, "%.1f MB", peak);
    char diffs_text[32] = "-";
    if (diffs >= 0) std::snprintf(diffs_text, sizeof diffs_text, "%.0f", diffs);
    std::printf("%-34s %10.3f s %10s %13s %12s\n", label, r->seconds, peak_text, diffs_text, ratio);
  }
  std::printf("(%s; peak RSS: VmHWM reported by the process, else wait4 maxrss)\n",
              ours != nullptr && ours->median ? "medians of the repetitions" : "single runs");
  print_line_summary(reporter);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--diff-child") return run_diff_child(argv[2], argv[3]);

  g.dir = env_or("THETA_REPLAY_BENCH_DIR", "/tmp/theta_replay_bench");
  g.events = std::stoull(env_or("THETA_REPLAY_BENCH_EVENTS", "1000000"));
  fs::create_directories(g.dir);
  g.a = g.dir + "/server_a.jsonl";
  g.b = g.dir + "/server_b.jsonl";
  g.out = g.dir + "/child_stdout.txt";
  g.self = fs::read_symlink("/proc/self/exe").string();
  const auto start = std::chrono::steady_clock::now();
  auto pair = bench::generate_stream_pair(g.a, g.b, g.events);
  if (!pair.ok()) {
    std::fprintf(stderr, "generating the streams failed: %s\n", pair.error().describe().c_str());
    return 1;
  }
  g.pair = *pair;
  g.generate_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Child processes first, while this process is still small (it is their wait4 floor).
  for (auto [name, fn] :
       {std::pair{"BM_DiffTheta", &BM_DiffTheta}, std::pair{"BM_DiffGnu", &BM_DiffGnu},
        std::pair{"BM_DiffPythonJsonLines", &BM_DiffPythonJsonLines},
        std::pair{"BM_DiffCli", &BM_DiffCli}, std::pair{"BM_SpawnFloor", &BM_SpawnFloor}}) {
    benchmark::RegisterBenchmark(name, fn)->Iterations(1)->UseManualTime()->Unit(
        benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_DiffInProcess", BM_DiffInProcess)
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_EventWriter", BM_EventWriter)->Unit(benchmark::kNanosecond);
  for (auto [name, fn] :
       {std::pair{"BM_ScanLinesTheta", &BM_ScanLinesTheta},
        std::pair{"BM_ScanLinesSimdjsonDom", &BM_ScanLinesSimdjsonDom},
        std::pair{"BM_ScanLinesSimdjsonOnDemand", &BM_ScanLinesSimdjsonOnDemand},
        std::pair{"BM_ScanLinesSimdjsonParseMany", &BM_ScanLinesSimdjsonParseMany},
        std::pair{"BM_ParseLinesTheta", &BM_ParseLinesTheta},
        std::pair{"BM_ParseLinesSimdjsonDom", &BM_ParseLinesSimdjsonDom},
        std::pair{"BM_ParseManySimdjson", &BM_ParseManySimdjson}}) {
    benchmark::RegisterBenchmark(name, fn)->UseRealTime()->Unit(benchmark::kMillisecond);
  }

  benchmark::Initialize(&argc, argv);
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  return 0;
}
