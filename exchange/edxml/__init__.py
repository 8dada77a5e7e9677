"""edXML (QCVN 102:2016) messages: the dataclasses (``model``), writing (``build``), signing and
verification (``sign``), reading (``parse``) and the code tables (``codes``)."""
