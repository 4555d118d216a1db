/* SPDX-License-Identifier: MIT */
/* <waitset/xml.h> must compile alone as strict C99 with -pedantic. */
#include <waitset/xml.h>

int
main(void)
{
  waitset_xml_options opts = { sizeof(waitset_xml_options), 0, 0, 0, 0, 0,
                               0, 0, 0 };

  return opts.size == sizeof(opts) && WAITSET_XML_SOAP_12 == 12 ? 0 : 1;
}
