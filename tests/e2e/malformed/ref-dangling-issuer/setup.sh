sed -i '0,/issuer: root/s//issuer: rot/' certificates.yaml
