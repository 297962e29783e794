import KilnSpec
