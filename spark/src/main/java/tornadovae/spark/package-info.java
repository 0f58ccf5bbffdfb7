/** Distributed scoring and data-parallel training on Apache Spark (docs/ARCHITECTURE.md, "Spark"). */
package tornadovae.spark;
