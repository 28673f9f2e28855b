#!/usr/bin/env Rscript
# Exports dslabs::movielens (Debian: apt-get install r-cran-dslabs) to a CSV of userId,movieId,rating,timestamp for
# 'triplet train --format interactions'. The data is not committed; run this to make it.
#   Rscript scripts/movielens-export.R [out.csv]     (default: data/movielens/ratings.csv)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "data/movielens/ratings.csv"
suppressPackageStartupMessages(library(dslabs))
data("movielens", package = "dslabs")
ratings <- movielens[, c("userId", "movieId", "rating", "timestamp")]
dir.create(dirname(out), recursive = TRUE, showWarnings = FALSE)
tmp <- paste0(out, ".tmp")
write.csv(ratings, tmp, row.names = FALSE, quote = FALSE)
invisible(file.rename(tmp, out))
cat(sprintf("wrote %d ratings by %d users of %d movies to %s\n", nrow(ratings), length(unique(ratings$userId)), length(unique(ratings$movieId)), out))
