# A UTF-8 byte order mark is allowed and not counted in columns.
printf '\xef\xbb\xbfkind: KmsKey\nname: k2\nspec: {rotation: {every: x}}\n' > x.yaml
