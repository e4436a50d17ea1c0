printf 'kind: KmsKey\nname: k\xff2\n' > x.yaml
