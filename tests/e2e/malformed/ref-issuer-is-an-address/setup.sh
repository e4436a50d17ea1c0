sed -i '0,/issuer: root/s//issuer: Certificate\/api-client/' certificates.yaml
