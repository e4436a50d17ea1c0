printf 'kind: KmsKey\nname: k\xed\xa0\x80\n' > x.yaml
