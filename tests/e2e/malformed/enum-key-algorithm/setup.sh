sed -i 's/RSA_2048/RSA_1024/' certificates.yaml
