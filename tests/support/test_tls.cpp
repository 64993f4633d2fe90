#include "test_tls.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace jb::test {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateFree {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Certificate = std::unique_ptr<X509, CertificateFree>;

bool is_ip_address(const std::string& name) {
  unsigned char address[16];
  return inet_pton(AF_INET, name.c_str(), address) == 1 ||
         inet_pton(AF_INET6, name.c_str(), address) == 1;
}

bool add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// An unsigned certificate for `subject` with `key`, issued by `issuer` (itself when null).
Certificate make_certificate(const std::string& subject, EVP_PKEY* key, X509* issuer) {
  Certificate certificate(X509_new());
  X509* cert = certificate.get();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(subject.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert, key);
  return certificate;
}

std::string pem_of(X509* certificate) {
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(out, certificate);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(out);
  return text;
}

std::string pem_of(EVP_PKEY* key) {
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(out);
  return text;
}

}  // namespace

TestCertificates make_test_certificates(const std::vector<std::string>& names,
                                        const std::string& ca_name) {
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key) return {};

  Certificate ca = make_certificate(ca_name, ca_key.get(), nullptr);
  bool ok = add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") &&
            add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") &&
            add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash") &&
            X509_sign(ca.get(), ca_key.get(), EVP_sha256()) != 0;

  std::string alternative_names;
  for (const std::string& name : names) {
    if (!alternative_names.empty()) alternative_names += ',';
    alternative_names += (is_ip_address(name) ? "IP:" : "DNS:") + name;
  }
  const std::string common_name = names.empty() ? "server" : names.front();
  Certificate server = make_certificate(common_name, server_key.get(), ca.get());
  ok = ok && add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") &&
       add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature") &&
       add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth") &&
       add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always") &&
       (alternative_names.empty() ||
        add_extension(server.get(), ca.get(), NID_subject_alt_name, alternative_names)) &&
       X509_sign(server.get(), ca_key.get(), EVP_sha256()) != 0;
  if (!ok) return {};
  return {pem_of(ca.get()), pem_of(server.get()), pem_of(server_key.get())};
}

}  // namespace jb::test
