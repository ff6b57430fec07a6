// Package units holds Vietnam's administrative units and their search: the
// unit trees (three levels until 30/6/2025, two since 1/7/2025), the links
// between the communes of one tree and the next, and the accent-insensitive
// search by name. It depends only on the standard library and vntext, so
// storage may import it.
package units
