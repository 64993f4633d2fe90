// Throw-away TLS material for tests: a CA and a server certificate it signed, made in memory with
// OpenSSL (EC P-256, valid from an hour ago for a day), as PEM text.
#pragma once

#include <string>
#include <vector>

namespace jb::test {

struct TestCertificates {
  std::string ca_pem;    // the CA's certificate: what a client trusts
  std::string cert_pem;  // the server's certificate, signed by the CA
  std::string key_pem;   // the server's private key
};

// A new CA called `ca_name` and a server certificate for `names`: IP addresses become iPAddress
// subject alternative names, anything else dNSName. Empty members when OpenSSL fails.
TestCertificates make_test_certificates(const std::vector<std::string>& names = {"127.0.0.1", "::1",
                                                                                 "localhost"},
                                        const std::string& ca_name = "jumio-bridge test CA");

}  // namespace jb::test
