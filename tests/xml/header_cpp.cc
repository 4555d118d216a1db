/* SPDX-License-Identifier: MIT */
/* <waitset/xml.h> must compile alone as C++ and link with C linkage. */
#include <waitset/xml.h>

int
main()
{
  const char *name = waitset_xml_command_name(WAITSET_XML_CMD_WAIT);

  return name != nullptr && name[0] == 'W' ? 0 : 1;
}
