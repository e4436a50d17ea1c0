sed -i "s/commonName: api-client/commonName: $(head -c 70 /dev/zero | tr '\0' a)/" certificates.yaml
