// The INI tokenizer (io/ini.hpp) and the guarded read of configuration inputs.
#include "fasim/config/ini.hpp"
#include "test_config_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using fasim::io::find_ini_value;
using fasim::io::IniEntry;
using fasim::io::parse_ini;
using fasim::io::quote_ini_value;
using fasim::io::read_config_file;
using fasim::testing::TempIni;

namespace {
/// The UsageError message of tokenizing text, or "" when it was accepted.
std::string ini_refusal(const std::string& text) {
  try {
    parse_ini(text, "t.ini");
  } catch (const fasim::UsageError& e) {
    return e.what();
  }
  return "";
}

std::string read_refusal(const std::string& path) {
  try {
    read_config_file(path);
  } catch (const fasim::UsageError& e) {
    return e.what();
  }
  return "";
}
} // namespace

TEST_CASE("ini: sections, keys, values and line numbers") {
  const auto entries = parse_ini("# c\ntop = 1\n[problem]\n  n=5\n\n; c\n[ run ]\nsteps =  7  \n", "t");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].name() == "top");
  CHECK(entries[0].line == 2);
  CHECK(entries[1].section == "problem");
  CHECK(entries[1].key == "n");
  CHECK(entries[1].value == "5");
  CHECK(entries[1].line == 4);
  CHECK(entries[2].name() == "run.steps");
  CHECK(entries[2].value == "7");
  CHECK(find_ini_value(entries, "run.steps") == "7");
  CHECK_FALSE(find_ini_value(entries, "run.nope").has_value());
}

TEST_CASE("ini: quoted values lose their quotes, and nothing inside them is special") {
  const auto entries = parse_ini(
      "[o]\na = \"o.h5\"\nb = 'o.h5'\nc = \"x # y ; z\"  # comment\nd = \"\"\ne = 'say \"hi\"'\n", "t");
  REQUIRE(entries.size() == 5);
  CHECK(entries[0].value == "o.h5");
  CHECK(entries[1].value == "o.h5");
  CHECK(entries[2].value == "x # y ; z");
  CHECK(entries[3].value.empty());
  CHECK(entries[4].value == "say \"hi\"");
}

TEST_CASE("ini: an inline comment starts at # or ; after a blank, not inside a word") {
  const auto entries = parse_ini("[o]\na = 5 # five\nb = 6\t; six\nc = x#y\nd = a;b\ne =\n", "t");
  REQUIRE(entries.size() == 5);
  CHECK(entries[0].value == "5");
  CHECK(entries[1].value == "6");
  CHECK(entries[2].value == "x#y");
  CHECK(entries[3].value == "a;b");
  CHECK(entries[4].value.empty());
}

TEST_CASE("ini: a UTF-8 byte order mark and CRLF line ends are accepted") {
  const auto entries = parse_ini("\xEF\xBB\xBF[problem]\r\nn = 5\r\nfile = \"a b\"\r\n", "t");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].name() == "problem.n");
  CHECK(entries[0].value == "5");
  CHECK(entries[1].value == "a b");
}

TEST_CASE("ini: malformed lines are refused naming the line") {
  CHECK(ini_refusal("[p]\nn 5\n").find("line 2 of t.ini") != std::string::npos);
  CHECK(ini_refusal("[p]\nn 5\n").find("neither") != std::string::npos);
  CHECK(ini_refusal("[p\n").find("no closing ']'") != std::string::npos);
  CHECK(ini_refusal("[]\n").find("empty section") != std::string::npos);
  CHECK(ini_refusal("[p] x\n").find("text after the section header") != std::string::npos);
  CHECK(ini_refusal("[p]\n= 5\n").find("no key") != std::string::npos);
  CHECK(ini_refusal("[p]\nf = \"o.h5\n").find("no closing \"") != std::string::npos);
  CHECK(ini_refusal("[p]\nf = \"o\"x\n").find("text after the closing quote") != std::string::npos);
  CHECK(ini_refusal("[p]\nf = \"o\"# c\n").find("text after the closing quote") != std::string::npos);
  CHECK(ini_refusal(std::string("[p]\nn = 5\0\n", 11)).find("NUL") != std::string::npos);
  CHECK(ini_refusal("[p]\rn = 5\n").find("carriage return") != std::string::npos);
  CHECK(ini_refusal("[p]\nf = \"o\"  # ok\n").empty());
}

TEST_CASE("ini: quote_ini_value writes what parse_ini reads back") {
  for (const std::string value :
       {"plain", "", "a #b", "a ;b", " lead", "trail ", "\"q\"", "'q'", "#x", "x#y", "say \"hi\" # there"}) {
    const auto entries = parse_ini("[s]\nk = " + quote_ini_value(value) + "\n", "t");
    REQUIRE(entries.size() == 1);
    CHECK_MESSAGE(entries[0].value == value, value);
  }
  CHECK(quote_ini_value("o.h5") == "o.h5");
}

TEST_CASE("ini: the configuration reader takes quoted file names and inline comments") {
  const auto cfg = fasim::io::parse_config_text(
      "\xEF\xBB\xBF[problem]\r\nn = 120   # rows\r\n[output]\r\nfile = \"o.h5\"\r\n", {});
  CHECK(cfg.problem.n == 120);
  CHECK(cfg.output.file == "o.h5");
  CHECK(cfg.output.checkpoint_file == "o.h5.ckpt");
  // resolved_ini quotes what needs quotes, so it reads back to the same configuration.
  const auto odd = fasim::io::parse_config_text("[output]\nfile = 'x ;1.h5'\n", {});
  CHECK(odd.output.file == "x ;1.h5");
  CHECK(fasim::io::parse_config_text(odd.resolved_ini, {}).output.file == "x ;1.h5");
}

TEST_CASE("ini: configuration inputs must be small regular files") {
  TempIni ok("[problem]\nn = 5\n");
  CHECK(read_config_file(ok.path()) == "[problem]\nn = 5\n");
  CHECK(read_refusal("/nonexistent/a.ini").find("not found") != std::string::npos);
  CHECK(read_refusal("/dev/zero").find("is a device") != std::string::npos);
  CHECK(read_refusal(std::filesystem::temp_directory_path().string()).find("is a directory") !=
        std::string::npos);
  const std::string fifo =
      (std::filesystem::temp_directory_path() / ("fasim-test-fifo-" + std::to_string(::getpid()))).string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_refusal(fifo).find("is a FIFO") != std::string::npos); // returns at once: nobody writes it
  std::filesystem::remove(fifo);
  TempIni big(std::string(fasim::io::kMaxConfigBytes + 1, '#'));
  CHECK(read_refusal(big.path()).find("larger than") != std::string::npos);
  TempIni limit(std::string(fasim::io::kMaxConfigBytes, '#'));
  CHECK(read_config_file(limit.path()).size() == fasim::io::kMaxConfigBytes);
}

TEST_CASE("config: a log-spaced trajectory unless a record key is given") {
  const auto plain = fasim::io::parse_config_text("", {});
  CHECK(plain.run.record_points == fasim::io::kDefaultRecordPoints);
  CHECK(plain.run.record_every == 0);
  const auto every = fasim::io::parse_config_text("[run]\nrecord_every = 10\n", {});
  CHECK(every.run.record_points == 0);
  CHECK(every.run.record_every == 10);
  const auto none = fasim::io::parse_config_text("", {"--run.record_points=0"});
  CHECK(none.run.record_points == 0);
  // The stored configuration states the default, so resuming reads the same schedule.
  CHECK(fasim::io::parse_config_text(plain.resolved_ini, {}).run.record_points ==
        fasim::io::kDefaultRecordPoints);
}

TEST_CASE("config: grid.block beyond every matrix dimension is clamped, and the configuration says so") {
  for (const char* block : {"100000", "1e6"}) {
    const auto cfg = fasim::io::parse_config_text("[problem]\nn = 100\nm = 80\nk = 50\n",
                                                  {std::string("--grid.block=") + block});
    CHECK(cfg.grid.block == 100);
    CHECK(cfg.resolved_ini.find("clamped to 100") != std::string::npos);
  }
  const auto fits = fasim::io::parse_config_text("[problem]\nn = 100\nm = 80\nk = 50\n", {"--grid.block=32"});
  CHECK(fits.grid.block == 32);
  CHECK(fits.resolved_ini.find("clamped") == std::string::npos);
}
