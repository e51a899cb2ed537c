#include "imap_connection.hpp"

#include <mailaccess/engine/imap_engine.hpp>

#include <mailaccess/auth/passwd_file.hpp>
#include <mailaccess/imap/server_session.hpp>
#include <mailaccess/store/memory_store.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// Transcript tests (STYLE.md section 8): tests/data/imap/sessions/*.txt hold
// C:/S: exchanges that run against imap::server_session + imap_engine on a
// memory_store, the whole IMAP server minus the sockets.
//
// Format, one item per line:
//   # comment
//   deliver <user> <mailbox> <file in tests/data/imap/messages>   (before the session, or between steps)
//   C: <line>          the client sends <line> CRLF
//   C~ <text>          the client sends <text> with "\r\n" escapes and no CRLF added (literals)
//   S: <line>          the server must have sent exactly <line> CRLF; "{{*}}" matches any text
//   S~ <n>             the server sent n octets of literal data (skipped, not compared)
//   notify [n]         the store changed: call session.notify() (IDLE)
// "C2:"/"S2:" (digits 2-9) address a second connection of the same server,
// opened at its first use.

using namespace mailaccess;

namespace {

const std::filesystem::path data_dir = std::filesystem::path(MAILACCESS_TEST_DATA_DIR) / "imap";

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            const char c = text[++i];
            out += c == 'r' ? '\r' : c == 'n' ? '\n' : c;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool glob_equal(std::string_view pattern, std::string_view text) {
    const auto star = pattern.find("{{*}}");
    if (star == std::string_view::npos) return pattern == text;
    const auto head = pattern.substr(0, star);
    if (text.substr(0, head.size()) != head) return false;
    const auto rest = pattern.substr(star + 5);
    for (std::size_t i = head.size(); i <= text.size(); ++i)
        if (glob_equal(rest, text.substr(i))) return true;
    return false;
}

struct server {
    store::memory_store store;
    auth::passwd_file users = auth::passwd_file::parse("alice:{PLAIN}secret\nbob:{PLAIN}hunter2\n");
    std::shared_ptr<engine::recent_tracker> recent = std::make_shared<engine::recent_tracker>();
};

// Slices of 2 messages exercise sliced replies.
struct connection : test::imap_connection {
    explicit connection(server& s) : imap_connection(s.store, s.users, s.recent, 2) {}
};

// With MAILACCESS_TRANSCRIPT_RECORD set to a folder, each transcript is
// also written there with the server's real answers as S: lines, for a
// human to review before it becomes the expected data. It never changes
// what the test checks.
struct recorder {
    std::ofstream out;
    std::map<int, std::size_t> done;
    explicit recorder(const std::filesystem::path& file) {
        if (const char* dir = std::getenv("MAILACCESS_TRANSCRIPT_RECORD"))
            out.open(std::filesystem::path(dir) / file.filename(), std::ios::binary);
    }
    void line(const std::string& l) {
        if (out) out << l << "\n";
    }
    void output(int n, const std::string& all) {
        if (!out) return;
        std::size_t& p = done[n];
        for (auto end = all.find("\r\n", p); end != std::string::npos; end = all.find("\r\n", p)) {
            out << 'S' << (n == 1 ? std::string() : std::to_string(n)) << ": " << all.substr(p, end - p)
                << "\n";
            p = end + 2;
        }
    }
};

void run_transcript(const std::filesystem::path& file) {
    server s;
    // Connections by number ("C2:", "S2:"; plain "C:"/"S:" is connection 1),
    // opened at their first use; each with its read position in its output.
    std::map<int, std::unique_ptr<connection>> conns;
    std::map<int, std::size_t> pos;
    auto conn = [&](int n) -> connection& {
        auto& c = conns[n];
        if (!c) {
            c = std::make_unique<connection>(s);
            c->run();
        }
        return *c;
    };
    recorder rec(file);
    std::istringstream lines(read_file(file));
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(lines, line)) {
        ++line_no;
        INFO(file.filename().string() << ":" << line_no << ": " << line);
        if (line.empty() || line[0] == '#' || line[0] != 'S') rec.line(line);
        if (line.empty() || line[0] == '#') continue;
        if (line.rfind("deliver ", 0) == 0) {
            std::istringstream args(line.substr(8));
            std::string user, mailbox, name;
            args >> user >> mailbox >> name;
            REQUIRE(s.store.deliver(user, mailbox, read_file(data_dir / "messages" / name)));
            continue;
        }
        int n = 1;
        std::size_t at = 1;
        if (line.size() > 1 && line[1] >= '2' && line[1] <= '9') {
            n = line[1] - '0';
            at = 2;
        }
        if (line.rfind("notify", 0) == 0) {
            if (line.size() > 6) n = std::stoi(line.substr(7));
            conn(n).session.notify();
            conn(n).run();
            rec.output(n, conn(n).output);
            continue;
        }
        REQUIRE(line.size() >= at + 2);
        const char who = line[0];
        const std::string kind = line.substr(at, 2);
        const std::string rest = line.substr(at + 2);
        connection& c = conn(n);
        std::size_t& p = pos[n];
        if (who == 'C') rec.output(n, c.output);  // the greeting
        if (who == 'C' && (kind == ": " || kind == "~ ")) {
            c.session.feed(kind == ": " ? rest + "\r\n" : unescape(rest));
            c.run();
            rec.output(n, c.output);
        } else if (who == 'S' && kind == ": ") {
            const auto end = c.output.find("\r\n", p);
            REQUIRE(end != std::string::npos);
            const std::string got = c.output.substr(p, end - p);
            INFO("server sent: " << got);
            CHECK(glob_equal(rest, got));
            p = end + 2;
        } else if (who == 'S' && kind == "~ ") {
            p += std::stoul(rest);
        } else {
            FAIL("bad transcript line");
        }
    }
    for (auto& [n, c] : conns) {
        INFO(file.filename().string() << ": unexpected trailing output on connection " << n << ":\n"
                                      << c->output.substr(pos[n]));
        CHECK(c->output.substr(pos[n]).empty());
    }
}

}  // namespace

TEST_CASE("IMAP session transcripts on memory_store", "[engine][imap_engine][transcript]") {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(data_dir / "sessions"))
        if (e.path().extension() == ".txt") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(!files.empty());
    for (const auto& f : files) {
        SECTION(f.filename().string()) { run_transcript(f); }
    }
}
