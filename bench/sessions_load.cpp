// The load client of bench/load/sessions.sh: keep-alive HTTP/1.1 on 127.0.0.1 from a number of threads, one
// connection each, blocking sockets, nothing but the requests and the clock in the loop (Python's http.client
// cannot keep up with the mock CPO's GETs on this machine). Two modes:
//
//   sessions_load get PORT TOKEN PATH SECONDS THREADS
//       GET PATH as fast as answers come for SECONDS; prints "<requests/s> <p50 ms> <p99 ms> <failed>".
//   sessions_load post PORT TOKEN THREADS SECONDS REQUESTS RESULTS
//       POSTs the requests of file REQUESTS (one a line: "<path>\t<JSON body>"), each once, in order, as fast as
//       answers come; no request is begun after SECONDS. Writes one line per request sent to RESULTS:
//       "<line number>\t<sent, ms since the first>\t<latency ms>\t<result>", the result being the answer's
//       `"result"` (ACCEPTED, REJECTED, UNKNOWN_SESSION, …), `status <code>` for an envelope without one,
//       `http <status>` for an HTTP error or `error <what>` when no answer came (30 s per answer at most).
//       Prints "<sent> <seconds taken>".
//
// Every request carries the SCPI routing headers (from CH/MSP to CH/CPO) and fresh X-Request-ID and
// X-Correlation-ID values.
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<std::uint64_t> g_request_id{1};

/// One keep-alive connection to 127.0.0.1:port; reconnects after an error.
class Connection {
public:
    explicit Connection(int port) : port_(port) {}
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() { close_fd(); }

    /// Sends one request and reads its answer: the HTTP status and body, or nullopt with `error` set.
    std::optional<std::pair<int, std::string>> exchange(const std::string& request, std::string& error) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (fd_ < 0 && !open(error)) {
                return std::nullopt;
            }
            const bool fresh = fresh_;
            fresh_ = false;
            if (!send_all(request, error)) {
                close_fd();
                if (fresh) {
                    return std::nullopt;
                }
                continue;  // the server closed an idle connection: once more on a new one
            }
            auto answer = read_answer(error);
            if (!answer) {
                close_fd();
                if (fresh || error != "closed") {
                    return std::nullopt;
                }
                continue;
            }
            return answer;
        }
        return std::nullopt;
    }

private:
    bool open(std::string& error) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) {
            error = std::string("socket: ") + std::strerror(errno);
            return false;
        }
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        timeval timeout{30, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port_));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            error = std::string("connect: ") + std::strerror(errno);
            close_fd();
            return false;
        }
        buffer_.clear();
        fresh_ = true;
        return true;
    }

    void close_fd() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    bool send_all(const std::string& data, std::string& error) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                error = std::string("send: ") + std::strerror(errno);
                return false;
            }
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    bool fill(std::string& error) {
        char chunk[65536];
        const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n == 0) {
            error = "closed";
            return false;
        }
        if (n < 0) {
            error = errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within 30 s"
                                                            : std::string("recv: ") + std::strerror(errno);
            return false;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    std::optional<std::pair<int, std::string>> read_answer(std::string& error) {
        std::size_t head_end;
        while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(error)) {
                return std::nullopt;
            }
        }
        const std::string head = buffer_.substr(0, head_end);
        int status = 0;
        if (head.size() < 12 || std::sscanf(head.c_str() + 9, "%d", &status) != 1) {
            error = "bad status line";
            return std::nullopt;
        }
        std::size_t length = 0;
        bool have_length = false;
        bool close_after = false;
        std::size_t pos = head.find("\r\n");
        while (pos != std::string::npos) {
            const auto next = head.find("\r\n", pos + 2);
            std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
            std::transform(line.begin(), line.end(), line.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (line.rfind("content-length:", 0) == 0) {
                length = std::stoul(line.substr(15));
                have_length = true;
            } else if (line.rfind("connection:", 0) == 0 && line.find("close") != std::string::npos) {
                close_after = true;
            } else if (line.rfind("transfer-encoding:", 0) == 0) {
                error = "chunked answers are not read";
                return std::nullopt;
            }
            pos = next;
        }
        if (!have_length) {
            error = "answer without Content-Length";
            return std::nullopt;
        }
        const std::size_t body_start = head_end + 4;
        while (buffer_.size() < body_start + length) {
            if (!fill(error)) {
                return std::nullopt;
            }
        }
        std::string body = buffer_.substr(body_start, length);
        buffer_.erase(0, body_start + length);
        if (close_after) {
            close_fd();
        }
        return std::make_pair(status, std::move(body));
    }

    int port_;
    int fd_ = -1;
    bool fresh_ = false;
    std::string buffer_;
};

std::string request_text(const char* method, int port, const std::string& token, const std::string& path,
                         const std::string* body) {
    const auto id = std::to_string(g_request_id.fetch_add(1));
    std::string r;
    r.reserve(512 + (body != nullptr ? body->size() : 0));
    r += method;
    r += ' ';
    r += path;
    r += " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nAuthorization: Token " + token +
         "\r\nX-Request-ID: bench-" + id + "\r\nX-Correlation-ID: bench-" + id +
         "\r\nSCPI-From-Country-Code: CH\r\nSCPI-From-Party-Id: MSP\r\nSCPI-To-Country-Code: CH\r\n"
         "SCPI-To-Party-Id: CPO\r\n";
    if (body != nullptr) {
        r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body->size()) + "\r\n\r\n";
        r += *body;
    } else {
        r += "\r\n";
    }
    return r;
}

/// The value of `"result":"…"` in an answer's body, else its status code.
std::string result_of(int http_status, const std::string& body) {
    if (http_status < 200 || http_status >= 300) {
        return "http " + std::to_string(http_status);
    }
    const auto key = body.find("\"result\"");
    if (key != std::string::npos) {
        const auto open = body.find('"', body.find(':', key) + 1);
        const auto close = open == std::string::npos ? open : body.find('"', open + 1);
        if (close != std::string::npos) {
            return body.substr(open + 1, close - open - 1);
        }
    }
    const auto code = body.find("\"status_code\"");
    if (code != std::string::npos) {
        int value = 0;
        if (std::sscanf(body.c_str() + body.find(':', code) + 1, "%d", &value) == 1) {
            return "status " + std::to_string(value);
        }
    }
    return "no result";
}

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) {
        return 0;
    }
    const auto k = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return values[k];
}

double ms_since(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

int run_get(int port, const std::string& token, const std::string& path, double seconds, int threads) {
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
    std::atomic<std::uint64_t> failed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            Connection conn(port);
            auto& mine = latencies[static_cast<std::size_t>(t)];
            std::string error;
            while (Clock::now() < end) {
                const auto request = request_text("GET", port, token, path, nullptr);
                const auto sent = Clock::now();
                const auto answer = conn.exchange(request, error);
                if (!answer || answer->first != 200) {
                    ++failed;
                    continue;
                }
                mine.push_back(ms_since(sent, Clock::now()));
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    const double taken = ms_since(start, Clock::now()) / 1000.0;
    std::vector<double> all;
    for (auto& l : latencies) {
        all.insert(all.end(), l.begin(), l.end());
    }
    const double rps = static_cast<double>(all.size()) / taken;
    const double p50 = percentile(all, 0.50);
    const double p99 = percentile(all, 0.99);
    std::printf("%.2f %.3f %.3f %llu\n", rps, p50, p99, static_cast<unsigned long long>(failed.load()));
    return 0;
}

int run_post(int port, const std::string& token, int threads, double seconds, const std::string& requests_file,
             const std::string& results_file) {
    std::vector<std::pair<std::string, std::string>> requests;
    {
        std::ifstream in(requests_file);
        std::string line;
        while (std::getline(in, line)) {
            const auto tab = line.find('\t');
            if (tab != std::string::npos) {
                requests.emplace_back(line.substr(0, tab), line.substr(tab + 1));
            }
        }
    }
    struct Outcome {
        double sent_ms = -1;
        double latency_ms = 0;
        std::string result;
    };
    std::vector<Outcome> outcomes(requests.size());
    std::atomic<std::size_t> next{0};
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            Connection conn(port);
            std::string error;
            for (;;) {
                if (Clock::now() >= end) {
                    return;
                }
                const auto i = next.fetch_add(1);
                if (i >= requests.size()) {
                    return;
                }
                const auto request = request_text("POST", port, token, requests[i].first, &requests[i].second);
                const auto sent = Clock::now();
                const auto answer = conn.exchange(request, error);
                auto& o = outcomes[i];
                o.sent_ms = ms_since(start, sent);
                o.latency_ms = ms_since(sent, Clock::now());
                o.result = answer ? result_of(answer->first, answer->second) : "error " + error;
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    const double taken = ms_since(start, Clock::now()) / 1000.0;
    std::ofstream out(results_file);
    std::size_t sent = 0;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const auto& o = outcomes[i];
        if (o.sent_ms < 0) {
            continue;
        }
        ++sent;
        char line[128];
        std::snprintf(line, sizeof line, "%zu\t%.3f\t%.3f\t", i, o.sent_ms, o.latency_ms);
        out << line << o.result << '\n';
    }
    std::printf("%zu %.3f\n", sent, taken);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 6 && args[0] == "get") {
            return run_get(std::stoi(args[1]), args[2], args[3], std::stod(args[4]), std::stoi(args[5]));
        }
        if (args.size() == 7 && args[0] == "post") {
            return run_post(std::stoi(args[1]), args[2], std::stoi(args[3]), std::stod(args[4]), args[5], args[6]);
        }
    } catch (const std::exception& e) {
        std::cerr << "sessions_load: " << e.what() << "\n";
        return 1;
    }
    std::cerr << "usage: sessions_load get PORT TOKEN PATH SECONDS THREADS\n"
                 "       sessions_load post PORT TOKEN THREADS SECONDS REQUESTS RESULTS\n";
    return 2;
}
