/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The org.varlink.service IDL text; io.bindbroker.Broker's is broker/daemon/interface.c. */
#include "bb-varlink.h"

const char bb_varlink_service_description[] =
    "# The Varlink Service Interface is provided by every varlink service.\n"
    "interface org.varlink.service\n"
    "\n"
    "method GetInfo() -> (\n"
    "  vendor: string,\n"
    "  product: string,\n"
    "  version: string,\n"
    "  url: string,\n"
    "  interfaces: []string\n"
    ")\n"
    "\n"
    "method GetInterfaceDescription(interface: string) -> (description: string)\n"
    "\n"
    "error InterfaceNotFound (interface: string)\n"
    "error MethodNotFound (method: string)\n"
    "error MethodNotImplemented (method: string)\n"
    "error InvalidParameter (parameter: string)\n"
    "error PermissionDenied ()\n"
    "error ExpectedMore ()\n";
