// The documentation stands alone: every relative link in every Markdown file of the repository
// (build trees, .git and node_modules aside) resolves to a file or directory inside the
// repository, and a link to a heading (#anchor) to a heading that exists. No file points outside
// the repository at the contract the project was started from (the "shared" directory beside the
// checkout), and only docs/README.md names CONTRACT.md, to explain the section numbers source
// comments cite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace jb {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(JB_SOURCE_DIR);

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Directories that are not the project's own text: build trees (build, build-*), git's store,
// vendored JavaScript, hidden directories.
bool skipped_directory(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.rfind("build", 0) == 0 || name == "node_modules" || (!name.empty() && name[0] == '.');
}

std::vector<fs::path> repository_files(bool markdown_only) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(kRoot); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory() && skipped_directory(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (markdown_only && it->path().extension() != ".md") continue;
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The Markdown text outside fenced code blocks and inline code spans, line by line.
std::vector<std::string> prose_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  bool fenced = false;
  while (std::getline(in, line)) {
    std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (trimmed.rfind("```", 0) == 0 || trimmed.rfind("~~~", 0) == 0) {
      fenced = !fenced;
      lines.emplace_back();
      continue;
    }
    if (fenced) {
      lines.emplace_back();
      continue;
    }
    lines.push_back(std::regex_replace(line, std::regex("`[^`]*`"), "``"));
  }
  return lines;
}

// GitHub's anchor of a heading: lower case, punctuation other than '-' and '_' dropped, spaces
// as '-'; repeated headings get -1, -2, ...
std::set<std::string> anchors(const std::string& text) {
  std::set<std::string> found;
  std::map<std::string, int> seen;
  std::istringstream in(text);
  std::string line;
  bool fenced = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0 || line.rfind("~~~", 0) == 0) fenced = !fenced;
    if (fenced || line.empty() || line[0] != '#') continue;
    size_t start = line.find_first_not_of('#');
    if (start == std::string::npos || line[start] != ' ') continue;
    std::string anchor;
    for (char c : line.substr(start + 1)) {
      unsigned char u = static_cast<unsigned char>(c);
      if (std::isalnum(u) || c == '-' || c == '_' || u >= 0x80) {
        anchor.push_back(static_cast<char>(std::tolower(u)));
      } else if (c == ' ') {
        anchor.push_back('-');
      }
    }
    int repeat = seen[anchor]++;
    found.insert(repeat == 0 ? anchor : anchor + "-" + std::to_string(repeat));
  }
  return found;
}

struct Link {
  int line;
  std::string target;
};

// Inline links and images [text](target "title"), and reference definitions [id]: target.
std::vector<Link> links(const std::string& text) {
  std::vector<Link> found;
  static const std::regex inline_link(R"(\]\(\s*<?([^)\s>]*)>?(\s+"[^"]*")?\s*\))");
  static const std::regex reference(R"(^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?)");
  auto lines = prose_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    for (std::sregex_iterator it(lines[i].begin(), lines[i].end(), inline_link), end; it != end;
         ++it)
      found.push_back({static_cast<int>(i + 1), (*it)[1]});
    std::smatch definition;
    if (std::regex_search(lines[i], definition, reference))
      found.push_back({static_cast<int>(i + 1), definition[1]});
  }
  return found;
}

bool is_external(const std::string& target) {
  return std::regex_search(target, std::regex("^[A-Za-z][A-Za-z0-9+.-]*:"));
}

std::string percent_decoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool inside_repository(const fs::path& path) {
  const std::string root = fs::weakly_canonical(kRoot).string() + "/";
  const std::string target = fs::weakly_canonical(path).string();
  return target + "/" == root || target.rfind(root, 0) == 0;
}

TEST(Docs, TheDocumentationPagesExist) {
  for (const char* page :
       {"README.md", "docs/README.md", "docs/cli.md", "docs/config.md", "docs/http.md",
        "docs/events.md", "docs/replay.md", "docs/metrics.md", "docs/retrieval.md"})
    EXPECT_TRUE(fs::is_regular_file(kRoot / page)) << page;
}

TEST(Docs, EveryRelativeLinkResolvesInsideTheRepository) {
  auto files = repository_files(true);
  ASSERT_GT(files.size(), 5u);
  int checked = 0;
  for (const auto& file : files) {
    const std::string text = read_file(file);
    const std::string name = fs::relative(file, kRoot).string();
    for (const auto& link : links(text)) {
      if (link.target.empty() || is_external(link.target)) continue;
      const std::string where = name + ":" + std::to_string(link.line) + ": " + link.target;
      ++checked;
      std::string path = percent_decoded(link.target.substr(0, link.target.find('#')));
      std::string anchor = link.target.find('#') == std::string::npos
                               ? ""
                               : link.target.substr(link.target.find('#') + 1);
      fs::path resolved = path.empty() ? file : file.parent_path() / path;
      if (!path.empty() && path[0] == '/') {
        ADD_FAILURE() << where << ": an absolute path; link relative to the file instead";
        continue;
      }
      if (!inside_repository(resolved)) {
        ADD_FAILURE() << where << ": points outside the repository";
        continue;
      }
      if (!fs::exists(resolved)) {
        ADD_FAILURE() << where << ": no such file or directory";
        continue;
      }
      if (!anchor.empty() && resolved.extension() == ".md") {
        auto headings = anchors(read_file(resolved));
        EXPECT_TRUE(headings.count(anchor)) << where << ": no heading with that anchor";
      }
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(Docs, NothingPointsAtTheContractOutsideTheRepository) {
  // Spelt in two pieces, so that this file does not name them itself.
  const std::string kSibling = std::string("..") + "/shared";
  const std::string kSharedDirectory = std::string("/work") + "/shared";
  for (const auto& file : repository_files(false)) {
    if (fs::file_size(file) > (1 << 20)) continue;
    const std::string text = read_file(file);
    const std::string name = fs::relative(file, kRoot).string();
    EXPECT_EQ(text.find(kSibling), std::string::npos) << name;
    EXPECT_EQ(text.find(kSharedDirectory), std::string::npos) << name;
    if (file.extension() == ".md" && name != "docs/README.md") {
      EXPECT_EQ(text.find("CONTRACT.md"), std::string::npos)
          << name << ": link to the page of docs/ instead";
    }
  }
}

TEST(Docs, TheAnchorRuleMatchesGitHubs) {
  auto found = anchors("# HTTP conformance\n## `serve` and SIGHUP\n## Two: A, B\n## Two: A, B\n");
  EXPECT_TRUE(found.count("http-conformance"));
  EXPECT_TRUE(found.count("serve-and-sighup"));
  EXPECT_TRUE(found.count("two-a-b"));
  EXPECT_TRUE(found.count("two-a-b-1"));
}

}  // namespace
}  // namespace jb
